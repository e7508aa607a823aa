using System;
using System.IO;
using HvCall.Abi;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Writes a simulated machine's events as KVM's Hyper-V tracepoints print them in raw ftrace text
/// (<c>/sys/kernel/tracing/trace</c> of a current kernel), so that one reader serves real and simulated logs.
/// </summary>
/// <remarks>
/// trace-formats.md §1.1 (the line prefix: comm right-aligned in 16, <c>-</c>, pid left-aligned in 7, <c>[cpu]</c>,
/// the 5-column flags <c>.....</c>, <c>secs.usecs:</c>) and §2 (the payload formats). Each event is written as seen by
/// the layer that handled it, as if that layer were KVM: a call L1 handles is a <c>kvm_hv_hypercall</c> of the
/// L1 partition's vCPU task; a nested call is the L0 partition's (the VM L1 runs in) with <c>code</c> showing bits
/// 15:0 only, so the nested bit is not visible (§2 field facts). Tasks are named <c>CPU n/KVM</c> with the pid of
/// <see cref="TraceIds.Task"/>; the CPU column is the VP index; time is virtual.
/// <list type="bullet">
/// <item><c>kvm_hv_hypercall</c> (5.18+ form) per execution of the instruction and <c>kvm_hv_hypercall_done</c>
/// with the 64-bit result after it; a rep call the hypervisor continues shows one pair per execution (KVM itself
/// never continues, §2).</item>
/// <item>MSR accesses: <c>kvm_hv_synic_set_msr</c> (host 0) for a successful write of a SynIC MSR, then
/// <c>kvm_msr</c> (<c>msr_read</c>/<c>msr_write</c>, with <c> (#GP)</c> on a fault) for every synthetic MSR, as KVM
/// traces the write inside its handler and the access after it; EOM also notifies every SINT
/// (<c>kvm_hv_notify_acked_sint</c> × 16) as KVM's EOM handler does.</item>
/// <item>SynIC interrupts: <c>kvm_hv_synic_set_irq</c> (ret 1: delivered).</item>
/// <item>Message delivery, event flags and VMBus traffic have no KVM tracepoint and are not written.</item>
/// </list>
/// Nothing is allocated per event: lines are built in one scratch buffer and written through a buffered stream.
/// </remarks>
public sealed class KvmTraceWriter : ITraceSink, IDisposable
{
    private const uint SynicMsrFirst = 0x4000_0080;
    private const uint SynicMsrLast = 0x4000_009F;
    private const uint EomMsr = 0x4000_0084;
    private readonly Stream _output;
    private readonly TraceStream _stream;
    private readonly byte[] _line = new byte[512];
    private TraceEvent _pending;
    private bool _hasPending;
    private TraceTrack _viewTrack;

    /// <summary>A writer of <paramref name="stream"/>'s events to <paramref name="output"/> (which it does not close).</summary>
    /// <param name="output">Where the text goes.</param>
    /// <param name="stream">The stream, for its tracks (which partition a nested root runs on).</param>
    public KvmTraceWriter(Stream output, TraceStream stream)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(stream);
        _output = new BufferedStream(output, 1 << 16);
        _stream = stream;
        _output.Write("# tracer: nop\n#\n#                                _-----=> irqs-off/BH-disabled\n#                               / _----=> need-resched\n#                              | / _---=> hardirq/softirq\n#                              || / _--=> preempt-depth\n#                              ||| / _-=> migrate-disable\n#                              |||| /     delay\n#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n#              | |         |   |||||     |         |\n"u8);
    }

    /// <summary>Lines written so far (events; the header not counted).</summary>
    public long Lines { get; private set; }

    /// <inheritdoc/>
    public void Write(in TraceEvent traceEvent)
    {
        if (_hasPending)
        {
            _hasPending = false;
            // A call the trapping layer forwards is L0's call, from the VM the nested hypervisor runs in.
            var issued = traceEvent.Kind == TraceEventKind.HypercallForwarded ? traceEvent : _pending;
            _viewTrack = issued.Track;
            Hypercall(issued);
            if (traceEvent.Kind == TraceEventKind.HypercallForwarded)
                return;
        }
        switch (traceEvent.Kind)
        {
            case TraceEventKind.HypercallIssued:
                _pending = traceEvent;
                _hasPending = true;
                break;
            case TraceEventKind.HypercallCompleted:
                var line = Prefix(_viewTrack, traceEvent.Vp, traceEvent.Time, "kvm_hv_hypercall_done"u8);
                line.Append("result "u8);
                line.Hex0x(traceEvent.Result.Value);
                Flush(ref line);
                break;
            case TraceEventKind.MsrRead or TraceEventKind.MsrWrite:
                Msr(traceEvent);
                break;
            case TraceEventKind.InterruptRaised:
                var irq = Prefix(traceEvent.Track, traceEvent.Vp, traceEvent.Time, "kvm_hv_synic_set_irq"u8);
                irq.Append("vcpu_id "u8);
                irq.Decimal((long)traceEvent.Vp);
                irq.Append(" sint "u8);
                irq.Decimal(traceEvent.Word0);
                irq.Append(" vector "u8);
                irq.Decimal((long)traceEvent.Word1);
                irq.Append(" ret 1"u8);
                Flush(ref irq);
                break;
        }
    }

    /// <summary>Writes what is buffered to the output.</summary>
    public void Flush()
    {
        if (_hasPending)
        {
            _hasPending = false;
            Hypercall(_pending);
        }
        _output.Flush();
    }

    /// <summary>Flushes; the output stream stays open.</summary>
    public void Dispose() => Flush();

    private void Hypercall(in TraceEvent e)
    {
        var control = e.Control;
        var line = Prefix(e.Track, e.Vp, e.Time, "kvm_hv_hypercall"u8);
        line.Append("code "u8);
        line.Hex0x(control.Code.Value);
        line.Append(control.IsFast ? " fast var_cnt "u8 : " slow var_cnt "u8);
        line.Hex0x((ulong)control.VariableHeaderSize);
        line.Append(" rep_cnt "u8);
        line.Hex0x((ulong)control.RepCount);
        line.Append(" idx "u8);
        line.Hex0x((ulong)control.RepStart);
        line.Append(" in "u8);
        line.Hex0x(e.Word1);
        line.Append(" out "u8);
        line.Hex0x(e.Word2);
        Flush(ref line);
    }

    private void Msr(in TraceEvent e)
    {
        var track = e.Track;
        if (e.HandlerLayer != e.Layer && _stream.TryDescribe(track, out var info) && info.RunsOn is { } host)
            track = host;
        var msr = e.RoutedMsr;
        var write = e.Kind == TraceEventKind.MsrWrite;
        if (write && !e.Faulted && msr is >= SynicMsrFirst and <= SynicMsrLast)
        {
            var set = Prefix(track, e.Vp, e.Time, "kvm_hv_synic_set_msr"u8);
            set.Append("vcpu_id "u8);
            set.Decimal((long)e.Vp);
            set.Append(" msr "u8);
            set.Hex0x(msr);
            set.Append(" data "u8);
            set.Hex0x(e.MsrValue);
            set.Append(" host 0"u8);
            Flush(ref set);
            if (msr == EomMsr)
            {
                for (var sint = 0UL; sint < 16; sint++)
                {
                    var acked = Prefix(track, e.Vp, e.Time, "kvm_hv_notify_acked_sint"u8);
                    acked.Append("vcpu_id "u8);
                    acked.Decimal((long)e.Vp);
                    acked.Append(" sint "u8);
                    acked.Decimal(sint);
                    Flush(ref acked);
                }
            }
        }
        var line = Prefix(track, e.Vp, e.Time, "kvm_msr"u8);
        line.Append(write ? "msr_write "u8 : "msr_read "u8);
        line.Hex(msr);
        line.Append(" = "u8);
        line.Hex0x(e.MsrValue);
        if (e.Faulted)
            line.Append(" (#GP)"u8);
        Flush(ref line);
    }

    // "       CPU 1/KVM-200101  [001] ..... 0.000100: event: "
    private Utf8Line Prefix(TraceTrack track, uint vp, long time, ReadOnlySpan<byte> eventName)
    {
        var line = new Utf8Line(_line);
        var comm = vp < 10 ? 9 : vp < 100 ? 10 : 11;
        line.Spaces(16 - comm);
        line.Append("CPU "u8);
        line.Decimal(vp);
        line.Append("/KVM-"u8);
        line.DecimalLeft((ulong)TraceIds.Task(track, vp), 7);
        line.Append(" ["u8);
        line.DecimalZeroPadded(vp, 3);
        line.Append("] ..... "u8);
        var ns = (ulong)Math.Max(0, time);
        line.Decimal(ns / 1_000_000_000, 5);
        line.Append('.');
        line.DecimalZeroPadded(ns / 1000 % 1_000_000, 6);
        line.Append(": "u8);
        line.Append(eventName);
        line.Append(": "u8);
        return line;
    }

    private void Flush(ref Utf8Line line)
    {
        line.Append('\n');
        _output.Write(line.Written);
        Lines++;
    }
}
