using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using HvCall.Abi;
using HvCall.Abi.Catalog;

namespace HvCall.Tracing.Perfetto;

/// <summary>
/// Writes a simulated machine's events as Chrome trace-event JSON that ui.perfetto.dev opens: a process per
/// partition of each layer, a thread per VP, a slice per hypercall, flow arrows from a nested root's VP to the L0
/// slice that handled its call, instants for SynIC interrupts, message deliveries, event flags, EOM, MSR writes and
/// VMBus messages and packets, and a counter per VMBus ring for its fill.
/// </summary>
/// <remarks>
/// trace-formats.md §5: the object container <c>{"traceEvents":[…]}</c>; <c>ts</c>/<c>dur</c> in microseconds;
/// <c>M</c> metadata naming every process and thread before its first event; <c>X</c> complete events for slices
/// (one per call, from its first execution to the end of its last, so a continued rep call is one slice); flows v2
/// (<c>bind_id</c> with <c>flow_out</c> on the root's slice and <c>flow_in</c> on L0's); <c>i</c> thread-scoped
/// instants; <c>C</c> counters. Virtual time does not advance inside one execution, so each execution is drawn
/// <see cref="ExecutionNs"/> wide. Process and thread numbers are <see cref="TraceIds"/>'s, the same as the KVM log's.
/// The writer keeps one open call per VP and allocates nothing per event beyond the JSON writer's buffer.
/// </remarks>
public sealed class PerfettoWriter : ITraceSink, IDisposable
{
    private static readonly JsonEncodedText Ph = JsonEncodedText.Encode("ph");
    private static readonly JsonEncodedText Ts = JsonEncodedText.Encode("ts");
    private static readonly JsonEncodedText Dur = JsonEncodedText.Encode("dur");
    private static readonly JsonEncodedText Pid = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText Tid = JsonEncodedText.Encode("tid");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Cat = JsonEncodedText.Encode("cat");
    private static readonly JsonEncodedText Args = JsonEncodedText.Encode("args");

    private readonly TraceEventJson _document;
    private readonly Utf8JsonWriter _json;
    private readonly TraceStream _stream;
    private readonly HashSet<TraceTrack> _namedProcesses = [];
    private readonly HashSet<int> _namedThreads = [];
    private readonly Dictionary<int, OpenCall> _open = [];
    private ulong _nextFlow = 1;
    private int _lastIssuer;

    private record struct OpenCall(long Start, ulong Control, ulong Input, ulong Output, int Executions, TraceTrack HandlerTrack, ulong Flow);

    /// <summary>A writer of <paramref name="stream"/>'s events to <paramref name="output"/> (which it does not close).</summary>
    /// <param name="output">Where the JSON goes.</param>
    /// <param name="stream">The stream, for the names of its tracks.</param>
    /// <param name="executionNs">How wide one execution of the hypercall instruction is drawn, in nanoseconds.</param>
    public PerfettoWriter(Stream output, TraceStream stream, long executionNs = 100)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(executionNs);
        _stream = stream;
        ExecutionNs = executionNs;
        _document = new TraceEventJson(output);
        _json = _document.Writer;
    }

    /// <summary>How wide one execution of the hypercall instruction is drawn, in nanoseconds.</summary>
    public long ExecutionNs { get; }

    /// <inheritdoc/>
    public void Write(in TraceEvent traceEvent)
    {
        var task = TraceIds.Task(traceEvent.Track, traceEvent.Vp);
        switch (traceEvent.Kind)
        {
            case TraceEventKind.HypercallIssued:
                _lastIssuer = task;
                if (_open.TryGetValue(task, out var running))
                    _open[task] = running with { Executions = running.Executions + 1 };
                else
                    _open[task] = new OpenCall(traceEvent.Time, traceEvent.Word0, traceEvent.Word1, traceEvent.Word2, 1, traceEvent.Track, 0);
                break;
            case TraceEventKind.HypercallForwarded:
                // Follows the issuing VP's HypercallIssued at once: the call is L0's, drawn on the VM's VP with a flow
                // from the issuer's slice (a continuation forwarded again keeps its flow).
                if (_open.TryGetValue(_lastIssuer, out var forwarded) && forwarded.Flow == 0)
                    _open[_lastIssuer] = forwarded with { HandlerTrack = traceEvent.Track, Flow = _nextFlow++ };
                break;
            case TraceEventKind.HypercallCompleted when !traceEvent.Continues:
                if (_open.Remove(task, out var done))
                    Slices(traceEvent, done);
                break;
            case TraceEventKind.MsrWrite:
                Instant(traceEvent, "synic", MsrName(traceEvent), "value", traceEvent.MsrValue);
                break;
            case TraceEventKind.SynicMessageDelivered:
                Instant(traceEvent, "synic", "message", "sint", traceEvent.Word0, "type", traceEvent.Word1);
                break;
            case TraceEventKind.SynicEndOfMessage:
                Instant(traceEvent, "synic", "EOM");
                break;
            case TraceEventKind.EventFlagSet:
                Instant(traceEvent, "synic", "event flag", "sint", traceEvent.Word0, "flag", traceEvent.Word1);
                break;
            case TraceEventKind.InterruptRaised:
                Instant(traceEvent, "synic", "interrupt", "sint", traceEvent.Word0, "vector", traceEvent.Word1);
                break;
            case TraceEventKind.VmBusControlMessage:
                Instant(traceEvent, "vmbus", traceEvent.Word1 == 0 ? "vmbus message from guest" : "vmbus message to guest", "type", traceEvent.Word0, "bytes", traceEvent.Word2);
                break;
            case TraceEventKind.VmBusPacket:
                Instant(traceEvent, "vmbus", traceEvent.Word3 == 0 ? "packet from guest" : "packet to guest", "relid", traceEvent.Word0, "bytes", traceEvent.Word2);
                break;
            case TraceEventKind.RingFill:
                Counter(traceEvent);
                break;
        }
        _document.FlushIfFull();
    }

    /// <summary>Ends the JSON document and flushes it.</summary>
    public void Dispose() => _document.Dispose();

    private void Slices(in TraceEvent completed, OpenCall call)
    {
        var issuer = completed.Track;
        var end = completed.Time + ExecutionNs;
        var name = HypercallCatalog.TryGet(new HypercallControl(call.Control).Code, out var info) ? info.Name : "unknown hypercall";
        Slice(issuer, completed.Vp, call, end, name, completed.Result.Value, call.Flow, flowOut: true);
        if (call.Flow != 0)
            Slice(call.HandlerTrack, completed.Vp, call, end, name, completed.Result.Value, call.Flow, flowOut: false);
    }

    private void Slice(TraceTrack track, uint vp, in OpenCall call, long end, string name, ulong result, ulong flow, bool flowOut)
    {
        var tid = Named(track, vp);
        _json.WriteStartObject();
        _json.WriteString(Ph, "X");
        _json.WriteNumber(Pid, TraceIds.Process(track));
        _json.WriteNumber(Tid, tid);
        _json.WriteNumber(Ts, call.Start / 1000.0);
        _json.WriteNumber(Dur, (end - call.Start) / 1000.0);
        _json.WriteString(Name, name);
        _json.WriteString(Cat, "hypercall");
        if (flow != 0)
        {
            _json.WriteNumber("bind_id", flow);
            _json.WriteBoolean(flowOut ? "flow_out" : "flow_in", true);
        }
        var control = new HypercallControl(call.Control);
        _json.WriteStartObject(Args);
        WriteHex("control", call.Control);
        _json.WriteBoolean("fast", control.IsFast);
        _json.WriteBoolean("nested", control.IsNested);
        _json.WriteNumber("rep_count", control.RepCount);
        WriteHex("input", call.Input);
        WriteHex("output", call.Output);
        WriteHex("result", result);
        _json.WriteString("status", HvStatusNames.TlfsName(new HypercallResult(result).Status));
        _json.WriteNumber("executions", call.Executions);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    private void Instant(in TraceEvent e, string category, string name, string? key0 = null, ulong value0 = 0, string? key1 = null, ulong value1 = 0) =>
        _document.Instant(TraceIds.Process(e.Track), Named(e.Track, e.Vp), e.Time, name, category, key0, value0, key1, value1);

    private void Counter(in TraceEvent e)
    {
        Named(e.Track, e.Vp);
        _json.WriteStartObject();
        _json.WriteString(Ph, "C");
        _json.WriteNumber(Pid, TraceIds.Process(e.Track));
        _json.WriteNumber(Ts, e.Time / 1000.0);
        _json.WritePropertyName(Name);
        _json.WriteStringValue(RingName(e.Word0));
        _json.WriteStartObject(Args);
        _json.WriteNumber("bytes", e.Word1);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    // Names the process and the thread the first time either appears (metadata events need no ts).
    private int Named(TraceTrack track, uint vp)
    {
        var pid = TraceIds.Process(track);
        if (_namedProcesses.Add(track))
        {
            var label = _stream.TryDescribe(track, out var info) ? $"{info.LayerName} {info.PartitionName}" : $"L{track.Layer} partition {track.Partition}";
            _document.Metadata(pid, null, "process_name", label);
            _document.Metadata(pid, null, "process_sort_index", null, pid);
        }
        var tid = TraceIds.Task(track, vp);
        if (_namedThreads.Add(tid))
            _document.Metadata(pid, tid, "thread_name", $"vp {vp}");
        return tid;
    }

    private static string MsrName(in TraceEvent e) => e.RoutedMsr switch
    {
        0x4000_0080 => "wrmsr SCONTROL",
        0x4000_0082 => "wrmsr SIEFP",
        0x4000_0083 => "wrmsr SIMP",
        0x4000_0084 => "wrmsr EOM",
        >= 0x4000_0090 and <= 0x4000_009F => "wrmsr SINT",
        0x4000_0000 => "wrmsr GUEST_OS_ID",
        0x4000_0001 => "wrmsr HYPERCALL",
        _ => "wrmsr",
    };

    private static string RingName(ulong relId) => relId switch
    {
        1 => "ring 1 to guest",
        2 => "ring 2 to guest",
        3 => "ring 3 to guest",
        4 => "ring 4 to guest",
        _ => $"ring {relId} to guest",
    };

    private void WriteHex(string property, ulong value)
    {
        Span<byte> text = stackalloc byte[18];
        "0x"u8.CopyTo(text);
        System.Buffers.Text.Utf8Formatter.TryFormat(value, text[2..], out var written, new System.Buffers.StandardFormat('x'));
        _json.WriteString(property, text[..(2 + written)]);
    }
}
