using System;
using System.Runtime.InteropServices;
using HvCall.Abi;

namespace HvCall.Tracing.Kvm;

/// <summary>Yes/no facts of a <see cref="KvmRecord"/>; which apply depends on <see cref="KvmRecord.Kind"/>.</summary>
[Flags]
public enum KvmRecordFlags : ushort
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary><c>kvm_hv_hypercall</c>: <c>fast</c> (else <c>slow</c>).</summary>
    Fast = 1 << 0,

    /// <summary><c>kvm_hv_hypercall</c>: the ≤ 5.17 <c>cnt</c> form, which has no <c>var_cnt</c> (trace-formats.md §2).</summary>
    LegacyCountForm = 1 << 1,

    /// <summary><c>kvm_msr</c>: <c>msr_write</c> (else <c>msr_read</c>).</summary>
    Write = 1 << 2,

    /// <summary><c>kvm_msr</c>: the access raised #GP (<c> (#GP)</c> suffix).</summary>
    GeneralProtection = 1 << 3,

    /// <summary><c>kvm_hv_synic_set_msr</c>, <c>kvm_hv_stimer_set_*</c>: <c>host 1</c>, a write by the VMM.</summary>
    Host = 1 << 4,

    /// <summary><c>kvm_hv_flush_tlb(_ex)</c>: the <c>(L2)</c> slot is filled.</summary>
    L2 = 1 << 5,

    /// <summary><c>kvm_exit</c>: the exit is a hypercall (<c>VMCALL</c>, <c>hypercall</c>, <c>EXIT_VMMCALL</c>).</summary>
    HypercallExit = 1 << 6,

    /// <summary><c>kvm_entry</c>: <c>[immediate exit]</c>.</summary>
    ImmediateExit = 1 << 7,

    /// <summary>
    /// Set by the reader, not the parser: this <c>kvm_msr</c> write is the same guest access as the task's preceding
    /// <c>kvm_hv_synic_set_msr</c> with <c>host 0</c> (same MSR, same data), so a count must not take it twice.
    /// </summary>
    SameAccessAsSynicWrite = 1 << 8,

    /// <summary>The payload held <c>CAN'T FIND FIELD</c> / <c>&lt;CANT FIND FIELD …&gt;</c> markers (trace-formats.md §1.2).</summary>
    MissingFieldMarker = 1 << 9,
}

/// <summary>
/// One line of a KVM trace log, decoded without allocating: what the line is, its prefix (task, CPU, time) and, for
/// an event, its payload as up to four 64-bit words whose meaning <see cref="KvmEventKind"/> documents. Text (the
/// comm, the event name, a reason) is given as offsets into the line, which the holder of the line can slice.
/// </summary>
/// <remarks>
/// Prefix formats: trace-formats.md §1.1 (raw ftrace), §1.2 (<c>trace-cmd report</c>), §1.3 (<c>perf script</c>),
/// payload-only lines (§1.1); payloads: §2. Produced by <see cref="KvmLineParser"/>.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
public readonly struct KvmRecord
{
    /// <summary>What the line is.</summary>
    public KvmLineKind LineKind { get; init; }

    /// <summary>For an event line: which event.</summary>
    public KvmEventKind Kind { get; init; }

    /// <summary>For an unparsed line: why.</summary>
    public KvmUnparsedReason Reason { get; init; }

    /// <summary>Facts of the event.</summary>
    public KvmRecordFlags Flags { get; init; }

    /// <summary>The 1-based line number in the input, 0 when not known.</summary>
    public long Line { get; init; }

    /// <summary>The task's pid (perf: tid), or −1 when the line prints none.</summary>
    public int Pid { get; init; }

    /// <summary>The TGID column (option <c>record-tgid</c>, §1.1), or −1.</summary>
    public int Tgid { get; init; }

    /// <summary>The CPU column, or −1 when the line has none.</summary>
    public int Cpu { get; init; }

    /// <summary>The decimal <c>vcpu_id</c>/<c>vcpu</c> of the payload (perf: the <c>[VCPU:n]</c> tag), or −1.</summary>
    public int Vcpu { get; init; }

    /// <summary>
    /// The stream the event belongs to (trace-formats.md §3): the pid when printed; else a key derived from the comm;
    /// else from the CPU column; else one key shared by every line without any of them.
    /// </summary>
    public long Task { get; init; }

    /// <summary>Offset of the comm in the line (0 with <see cref="CommLength"/> 0 when there is none).</summary>
    public int CommStart { get; init; }

    /// <summary>Length of the comm, spaces inside it kept.</summary>
    public int CommLength { get; init; }

    /// <summary>Offset of the event name (without a perf <c>sys:</c> prefix) in the line.</summary>
    public int NameStart { get; init; }

    /// <summary>Length of the event name.</summary>
    public int NameLength { get; init; }

    /// <summary>Offset of a detail of the payload: the exit reason of <c>kvm_exit</c>, else the payload itself.</summary>
    public int DetailStart { get; init; }

    /// <summary>Length of the detail.</summary>
    public int DetailLength { get; init; }

    /// <summary>The timestamp: nanoseconds for <see cref="KvmClock.Microseconds"/> and <see cref="KvmClock.Nanoseconds"/>,
    /// ticks for <see cref="KvmClock.Counter"/>.</summary>
    public long Time { get; init; }

    /// <summary>What <see cref="Time"/> is.</summary>
    public KvmClock Clock { get; init; }

    /// <summary>First payload word (see <see cref="KvmEventKind"/>).</summary>
    public ulong Word0 { get; init; }

    /// <summary>Second payload word.</summary>
    public ulong Word1 { get; init; }

    /// <summary>Third payload word.</summary>
    public ulong Word2 { get; init; }

    /// <summary>Fourth payload word.</summary>
    public ulong Word3 { get; init; }

    /// <summary>The line holds an event.</summary>
    public bool IsEvent => LineKind == KvmLineKind.Event;

    /// <summary>Tests a flag.</summary>
    /// <param name="flag">The flag.</param>
    public bool Has(KvmRecordFlags flag) => (Flags & flag) != 0;

    /// <summary>For <see cref="KvmEventKind.Hypercall"/>: the control word rebuilt from the fields.</summary>
    public HypercallControl Control => new(Word0);

    /// <summary>For <see cref="KvmEventKind.HypercallDone"/>: the result word.</summary>
    public HypercallResult Result => new(Word0);

    /// <summary>The comm, sliced from the line the record was parsed from.</summary>
    /// <param name="line">That line.</param>
    public ReadOnlySpan<byte> Comm(ReadOnlySpan<byte> line) => line.Slice(CommStart, CommLength);

    /// <summary>The event name, sliced from the line the record was parsed from.</summary>
    /// <param name="line">That line.</param>
    public ReadOnlySpan<byte> Name(ReadOnlySpan<byte> line) => line.Slice(NameStart, NameLength);

    /// <summary>The detail (exit reason, or the payload), sliced from the line the record was parsed from.</summary>
    /// <param name="line">That line.</param>
    public ReadOnlySpan<byte> Detail(ReadOnlySpan<byte> line) => line.Slice(DetailStart, DetailLength);
}
