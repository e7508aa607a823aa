using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using HvCall.Abi;
using HvCall.Tracing.Kvm;

namespace HvCall.Tracing.Perfetto;

/// <summary>
/// Writes a KVM trace log as Chrome trace-event JSON that ui.perfetto.dev opens: one process per thread group (or one
/// for the whole log when no TGID column is printed), a thread per task (the vCPU thread, named by its comm and pid),
/// a slice per hypercall from its <c>kvm_hv_hypercall</c> to its <c>kvm_hv_hypercall_done</c>, and instants for a call
/// without <c>_done</c>, SynIC MSR writes, SynIC interrupts and acknowledged SINTs.
/// </summary>
/// <remarks>
/// trace-formats.md §5 (the container, <c>X</c> slices with <c>dur</c>, <c>i</c> thread instants, <c>M</c> metadata) and §3
/// (pairing: one call open per task, so a task's slices never overlap). Perfetto cannot show <c>kvm_hv_*</c> events from
/// the ftrace text itself (§5), hence this export. Timestamps are the log's (a counter clock's ticks are written as
/// nanoseconds). Use it as the <see cref="IKvmTraceSink"/> of <see cref="KvmTraceReader"/>; dispose it to end the JSON.
/// </remarks>
public sealed class KvmPerfettoSink : IKvmTraceSink, IDisposable
{
    private const int LogProcess = 1;
    private readonly TraceEventJson _document;
    private readonly Utf8JsonWriter _json;
    private readonly HashSet<int> _processes = [];
    private readonly HashSet<(int Process, int Thread)> _threads = [];

    /// <summary>A sink writing to <paramref name="output"/> (which it does not close).</summary>
    /// <param name="output">Where the JSON goes.</param>
    public KvmPerfettoSink(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _document = new TraceEventJson(output);
        _json = _document.Writer;
    }

    /// <summary>Slices written (paired calls).</summary>
    public long Slices { get; private set; }

    /// <summary>Event lines seen (any event, Hyper-V or not).</summary>
    public long Events { get; private set; }

    /// <inheritdoc/>
    public void OnRecord(in KvmRecord record, ReadOnlySpan<byte> line)
    {
        if (!record.IsEvent)
            return;
        Events++;
        if (record.Clock == KvmClock.None)
            return;
        Named(record, line); // names the task's thread from its comm the first time it appears
        switch (record.Kind)
        {
            case KvmEventKind.SynicSetMsr:
                Instant(record, line, "wrmsr", "msr", record.Word0, "data", record.Word1);
                break;
            case KvmEventKind.SynicSetIrq:
                Instant(record, line, "interrupt", "sint", record.Word0, "vector", record.Word1);
                break;
            case KvmEventKind.NotifyAckedSint:
                Instant(record, line, "acked sint", "sint", record.Word0);
                break;
        }
        _document.FlushIfFull();
    }

    /// <inheritdoc/>
    public void OnCall(KvmHypercall call)
    {
        if (!call.HasCall || call.Call.Clock == KvmClock.None)
            return;
        ref readonly var issued = ref call.Call;
        var name = call.CatalogName ?? "unknown hypercall";
        if (!call.HasDone || call.Done.Clock == KvmClock.None)
        {
            Instant(issued, default, name + " (no _done)", "code", call.Code.Value, category: "hypercall");
            return;
        }
        var (pid, tid) = Named(issued, default);
        _json.WriteStartObject();
        _json.WriteString("ph", "X");
        _json.WriteNumber("pid", pid);
        _json.WriteNumber("tid", tid);
        _json.WriteNumber("ts", issued.Time / 1000.0);
        _json.WriteNumber("dur", Math.Max(0, call.Done.Time - issued.Time) / 1000.0);
        _json.WriteString("name", name);
        _json.WriteString("cat", "hypercall");
        _json.WriteStartObject("args");
        _json.WriteNumber("code", call.Code.Value);
        _json.WriteBoolean("fast", call.IsFast);
        _json.WriteNumber("rep_cnt", call.RepCount);
        _json.WriteNumber("idx", call.RepStart);
        _json.WriteNumber("var_cnt", call.VariableHeaderSize);
        _json.WriteNumber("result", call.Result.Value);
        _json.WriteString("status", HvStatusNames.TlfsName(call.Result.Status));
        _json.WriteNumber("reps_completed", call.Result.RepsCompleted);
        _json.WriteEndObject();
        _json.WriteEndObject();
        Slices++;
        _document.FlushIfFull();
    }

    /// <summary>Ends the JSON document and flushes it.</summary>
    public void Dispose() => _document.Dispose();

    private void Instant(in KvmRecord record, ReadOnlySpan<byte> line, string name, string key0, ulong value0, string? key1 = null, ulong value1 = 0,
        string category = "synic")
    {
        var (pid, tid) = Named(record, line);
        _document.Instant(pid, tid, record.Time, name, category, key0, value0, key1, value1);
    }

    // The process is the thread group when printed, else the whole log; the thread is the task (pid, or the reader's key).
    private (int Pid, int Tid) Named(in KvmRecord record, ReadOnlySpan<byte> line)
    {
        var pid = record.Tgid > 0 ? record.Tgid : LogProcess;
        var tid = record.Pid > 0 ? record.Pid : (int)(record.Task & 0x3FFF_FFFF) | 0x4000_0000;
        if (_processes.Add(pid))
            _document.Metadata(pid, null, "process_name", pid == LogProcess ? "KVM trace" : $"tgid {pid}");
        if (_threads.Add((pid, tid)))
        {
            var comm = line.IsEmpty || record.CommLength == 0 ? "task" : Encoding.UTF8.GetString(record.Comm(line));
            _document.Metadata(pid, tid, "thread_name", record.Pid > 0 ? $"{comm}-{record.Pid}" : comm);
        }
        return (pid, tid);
    }
}
