using System;
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
/// <para>Prefix formats: trace-formats.md §1.1 (raw ftrace), §1.2 (<c>trace-cmd report</c>), §1.3 (<c>perf script</c>),
/// payload-only lines (§1.1); payloads: §2. Produced by <see cref="KvmLineParser"/>.</para>
/// <para>The record is immutable to its users (every member is a read-only view of storage only the parser writes), and
/// is passed by reference (<c>in</c>), so handing it on copies nothing.</para>
/// </remarks>
public struct KvmRecord
{
    /// <summary>The parser's storage.</summary>
    internal LineFields F;

    /// <summary>What the line is.</summary>
    public readonly KvmLineKind LineKind => F.LineKind;

    /// <summary>For an event line: which event.</summary>
    public readonly KvmEventKind Kind => F.Kind;

    /// <summary>For an unparsed line: why.</summary>
    public readonly KvmUnparsedReason Reason => F.Reason;

    /// <summary>Facts of the event.</summary>
    public readonly KvmRecordFlags Flags => F.Flags;

    /// <summary>The 1-based line number in the input, 0 when not known.</summary>
    public readonly long Line => F.Line;

    /// <summary>The task's pid (perf: tid), or −1 when the line prints none.</summary>
    public readonly int Pid => F.Pid;

    /// <summary>The TGID column (option <c>record-tgid</c>, §1.1), or −1.</summary>
    public readonly int Tgid => F.Tgid;

    /// <summary>The CPU column, or −1 when the line has none.</summary>
    public readonly int Cpu => F.Cpu;

    /// <summary>The decimal <c>vcpu_id</c>/<c>vcpu</c> of the payload (perf: the <c>[VCPU:n]</c> tag), or −1.</summary>
    public readonly int Vcpu => F.Vcpu;

    /// <summary>
    /// The stream the event belongs to (trace-formats.md §3): the pid when printed; else a key derived from the comm;
    /// else from the CPU column; else one key shared by every line without any of them.
    /// </summary>
    public readonly long Task => F.Task;

    /// <summary>Offset of the comm in the line (0 with <see cref="CommLength"/> 0 when there is none).</summary>
    public readonly int CommStart => F.CommStart;

    /// <summary>Length of the comm, spaces inside it kept.</summary>
    public readonly int CommLength => F.CommLength;

    /// <summary>Offset of the event name (without a perf <c>sys:</c> prefix) in the line.</summary>
    public readonly int NameStart => F.NameStart;

    /// <summary>Length of the event name.</summary>
    public readonly int NameLength => F.NameLength;

    /// <summary>Offset of a detail of the payload: the exit reason of <c>kvm_exit</c>, else the payload itself.</summary>
    public readonly int DetailStart => F.DetailStart;

    /// <summary>Length of the detail.</summary>
    public readonly int DetailLength => F.DetailLength;

    /// <summary>The timestamp: nanoseconds for <see cref="KvmClock.Microseconds"/> and <see cref="KvmClock.Nanoseconds"/>,
    /// ticks for <see cref="KvmClock.Counter"/>.</summary>
    public readonly long Time => F.Time;

    /// <summary>What <see cref="Time"/> is.</summary>
    public readonly KvmClock Clock => F.Clock;

    /// <summary>First payload word (see <see cref="KvmEventKind"/>).</summary>
    public readonly ulong Word0 => F.Word0;

    /// <summary>Second payload word.</summary>
    public readonly ulong Word1 => F.Word1;

    /// <summary>Third payload word.</summary>
    public readonly ulong Word2 => F.Word2;

    /// <summary>Fourth payload word.</summary>
    public readonly ulong Word3 => F.Word3;

    /// <summary>The line holds an event.</summary>
    public readonly bool IsEvent => F.LineKind == KvmLineKind.Event;

    /// <summary>Tests a flag.</summary>
    /// <param name="flag">The flag.</param>
    public readonly bool Has(KvmRecordFlags flag) => (F.Flags & flag) != 0;

    /// <summary>For <see cref="KvmEventKind.Hypercall"/>: the control word rebuilt from the fields.</summary>
    public readonly HypercallControl Control => new(F.Word0);

    /// <summary>For <see cref="KvmEventKind.HypercallDone"/>: the result word.</summary>
    public readonly HypercallResult Result => new(F.Word0);

    /// <summary>The comm, sliced from the line the record was parsed from.</summary>
    /// <param name="line">That line.</param>
    public readonly ReadOnlySpan<byte> Comm(ReadOnlySpan<byte> line) => line.Slice(F.CommStart, F.CommLength);

    /// <summary>The event name, sliced from the line the record was parsed from.</summary>
    /// <param name="line">That line.</param>
    public readonly ReadOnlySpan<byte> Name(ReadOnlySpan<byte> line) => line.Slice(F.NameStart, F.NameLength);

    /// <summary>The detail (exit reason, or the payload), sliced from the line the record was parsed from.</summary>
    /// <param name="line">That line.</param>
    public readonly ReadOnlySpan<byte> Detail(ReadOnlySpan<byte> line) => line.Slice(F.DetailStart, F.DetailLength);
}
