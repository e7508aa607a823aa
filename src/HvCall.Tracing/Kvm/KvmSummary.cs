using System;
using System.Collections.Generic;
using HvCall.Abi;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// The summary of a KVM trace log, gathered as a sink in constant memory: per call code (calls, fast/slow, statuses,
/// rep counts, latency call → <c>_done</c>), per synthetic MSR (reads, writes), other Hyper-V events by kind, other
/// events by name, lines by kind and unparsed lines by reason.
/// </summary>
/// <remarks>
/// <para>MSR rule (no double count): a guest write of a SynIC MSR shows twice in a full trace, as
/// <c>kvm_hv_synic_set_msr … host 0</c> and then as <c>kvm_msr: msr_write</c> of the same MSR and data on the same
/// task (trace-formats.md §2, the example pair). It counts once: the <c>kvm_hv_synic_set_msr</c> line counts the
/// guest write, and the <c>kvm_msr</c> write that follows it with the same MSR and data (the task's next MSR event)
/// counts only its #GP, if any. Every other <c>kvm_msr</c> line counts a read or a write; <c>host 1</c> counts as a
/// host (VMM) write, which <c>kvm_msr</c> never shows. A log with only one of the two events counts each line.</para>
/// <para>Latency is measured for completed calls whose two stamps use the same kind of clock: nanoseconds for time
/// stamps, ticks for a counter clock; <see cref="LatencyClock"/> says which (microseconds when any stamp had only
/// microsecond precision).</para>
/// </remarks>
public sealed class KvmSummary : IKvmTraceSink
{
    private readonly long[] _lineKinds = new long[(int)KvmLineKind.Unparsed + 1];
    private readonly long[] _reasons = new long[(int)KvmUnparsedReason.PrefixWithoutEvent + 1];
    private readonly long[] _events = new long[(int)KvmEventKind.Entry + 1];
    private readonly KvmCodeStats?[] _codes = new KvmCodeStats?[ushort.MaxValue + 1];
    private readonly MsrCounter _msrs = new();
    private bool _sawMicroseconds;
    private bool _sawNanoseconds;
    private bool _sawCounter;

    /// <summary>Lines of the input (set by the reading entry points; a rejoined split line counts twice).</summary>
    public long Lines { get; internal set; }

    /// <summary>Bytes of the input.</summary>
    public long Bytes { get; internal set; }

    /// <summary>The input ended inside a line (truncated).</summary>
    public bool EndedInsideLine { get; internal set; }

    /// <summary>The input was binary data and was not read (<see cref="KvmReadResult.Binary"/>).</summary>
    public bool Binary { get; internal set; }

    /// <summary>Events dropped by the tracer, from <c>CPU:n [N EVENTS DROPPED]</c> markers.</summary>
    public long DroppedEvents { get; private set; }

    /// <summary><c>kvm_hv_hypercall</c> lines.</summary>
    public long Hypercalls { get; private set; }

    /// <summary>Calls paired with their <c>_done</c>.</summary>
    public long Completed { get; private set; }

    /// <summary>Calls followed by another call of their task before any <c>_done</c>.</summary>
    public long WithoutDone { get; private set; }

    /// <summary>Calls still open when the log ended.</summary>
    public long WithoutDoneAtEnd { get; private set; }

    /// <summary><c>_done</c> lines without an open call of their task.</summary>
    public long DonesWithoutCall { get; private set; }

    /// <summary><c>kvm_exit</c> lines whose reason is a hypercall (<c>VMCALL</c>, <c>hypercall</c>, <c>EXIT_VMMCALL</c>).</summary>
    public long HypercallExits { get; private set; }

    /// <summary>Events not decoded (<see cref="KvmEventKind.Other"/>), by name.</summary>
    public EventNameCounter OtherEvents { get; } = new();

    /// <summary>Reads of MSRs outside the synthetic blocks (<c>kvm_msr</c>).</summary>
    public long OtherMsrReads => _msrs.OtherReads;

    /// <summary>Writes of MSRs outside the synthetic blocks (<c>kvm_msr</c>).</summary>
    public long OtherMsrWrites => _msrs.OtherWrites;

    /// <summary>The unit of every latency: <see cref="KvmClock.Microseconds"/>/<see cref="KvmClock.Nanoseconds"/> (values in
    /// nanoseconds), <see cref="KvmClock.Counter"/> (ticks), or <see cref="KvmClock.None"/> when nothing was measured or
    /// when time stamps and counter values were mixed (then the latencies are not comparable and should not be shown).</summary>
    public KvmClock LatencyClock => _sawCounter
        ? (_sawMicroseconds || _sawNanoseconds ? KvmClock.None : KvmClock.Counter)
        : _sawMicroseconds ? KvmClock.Microseconds : _sawNanoseconds ? KvmClock.Nanoseconds : KvmClock.None;

    /// <summary>Lines of a kind (a line the reader rejoined from two halves counts once here).</summary>
    /// <param name="kind">The kind.</param>
    public long LinesOf(KvmLineKind kind) => _lineKinds[(int)kind];

    /// <summary>Unparsed lines for a reason.</summary>
    /// <param name="reason">The reason.</param>
    public long Unparsed(KvmUnparsedReason reason) => _reasons[(int)reason];

    /// <summary>Event lines of a kind.</summary>
    /// <param name="kind">The kind.</param>
    public long EventsOf(KvmEventKind kind) => _events[(int)kind];

    /// <summary>Something of a trace was read: an event, a header, metadata or a drop marker.</summary>
    public bool AnythingRead => LinesOf(KvmLineKind.Event) + LinesOf(KvmLineKind.Header) + LinesOf(KvmLineKind.Metadata) + LinesOf(KvmLineKind.DropMarker) > 0;

    /// <summary>The codes seen, ascending.</summary>
    public IReadOnlyList<KvmCodeStats> Codes()
    {
        var list = new List<KvmCodeStats>();
        foreach (var stats in _codes)
        {
            if (stats is not null)
                list.Add(stats);
        }
        return list;
    }

    /// <summary>The synthetic MSRs accessed, ascending.</summary>
    public IReadOnlyList<KvmMsrStats> Msrs() => _msrs.Used();

    /// <inheritdoc/>
    public void OnRecord(in KvmRecord record, ReadOnlySpan<byte> line)
    {
        _lineKinds[(int)record.LineKind]++;
        switch (record.LineKind)
        {
            case KvmLineKind.Event:
                Event(in record, line);
                break;
            case KvmLineKind.Unparsed:
                _reasons[(int)record.Reason]++;
                break;
            case KvmLineKind.DropMarker:
                DroppedEvents += (long)record.Word0;
                break;
        }
    }

    /// <inheritdoc/>
    public void OnCall(KvmHypercall call)
    {
        switch (call.Outcome)
        {
            case KvmCallOutcome.DoneWithoutCall:
                DonesWithoutCall++;
                return;
            case KvmCallOutcome.Completed:
                Completed++;
                break;
            case KvmCallOutcome.NoDone:
                WithoutDone++;
                break;
            default:
                WithoutDoneAtEnd++;
                break;
        }
        Hypercalls++;
        long latency = -1;
        if (call.TryGetLatency(out var value, out var clock))
        {
            latency = value;
            _sawCounter |= clock == KvmClock.Counter;
            _sawMicroseconds |= clock == KvmClock.Microseconds;
            _sawNanoseconds |= clock == KvmClock.Nanoseconds;
        }
        var code = call.Code.Value;
        (_codes[code] ??= new KvmCodeStats(call.Code)).Add(call, latency);
    }

    /// <summary>Adds the counts of another part of the same log (a chunk read in parallel).</summary>
    /// <param name="other">The other part's summary.</param>
    public void Merge(KvmSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Add(_lineKinds, other._lineKinds);
        Add(_reasons, other._reasons);
        Add(_events, other._events);
        for (var code = 0; code < _codes.Length; code++)
        {
            if (other._codes[code] is { } stats)
                (_codes[code] ??= new KvmCodeStats(new HvCallCode((ushort)code))).Merge(stats);
        }
        _msrs.Merge(other._msrs);
        OtherEvents.Merge(other.OtherEvents);
        Lines += other.Lines;
        Bytes += other.Bytes;
        EndedInsideLine |= other.EndedInsideLine;
        Binary |= other.Binary;
        DroppedEvents += other.DroppedEvents;
        Hypercalls += other.Hypercalls;
        Completed += other.Completed;
        WithoutDone += other.WithoutDone;
        WithoutDoneAtEnd += other.WithoutDoneAtEnd;
        DonesWithoutCall += other.DonesWithoutCall;
        HypercallExits += other.HypercallExits;
        _sawCounter |= other._sawCounter;
        _sawMicroseconds |= other._sawMicroseconds;
        _sawNanoseconds |= other._sawNanoseconds;
    }

    /// <summary>Takes back one guest write of an MSR that a parallel merge found to be a repeat (see the MSR rule).</summary>
    /// <param name="msr">The MSR.</param>
    internal void UncountGuestWrite(ulong msr) => _msrs.UncountGuestWrite(msr);

    private void Event(in KvmRecord record, ReadOnlySpan<byte> line)
    {
        _events[(int)record.Kind]++;
        switch (record.Kind)
        {
            case KvmEventKind.Msr:
                var write = record.Has(KvmRecordFlags.Write);
                _msrs.Add(record.Word0, write, host: false, counted: !record.Has(KvmRecordFlags.SameAccessAsSynicWrite), record.Has(KvmRecordFlags.GeneralProtection));
                break;
            case KvmEventKind.SynicSetMsr:
                _msrs.Add(record.Word0, write: true, record.Has(KvmRecordFlags.Host), counted: true, gp: false);
                break;
            case KvmEventKind.Exit when record.Has(KvmRecordFlags.HypercallExit):
                HypercallExits++;
                break;
            case KvmEventKind.Other:
                OtherEvents.Add(record.Name(line));
                break;
        }
    }

    private static void Add(long[] into, long[] from)
    {
        for (var i = 0; i < into.Length; i++)
            into[i] += from[i];
    }
}
