using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using HvCall.Abi;
using HvCall.Tracing.Kvm;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall trace --events</c>: the decoded stream, one line per event (and one per call that ended without its
/// <c>_done</c>), as text or as JSON lines. The <c>_done</c> line carries its call, paired per trace-formats.md §3.
/// </summary>
internal sealed class TraceEventWriter : IKvmTraceSink
{
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = false };

    private readonly TextWriter _output;
    private readonly bool _json;
    private readonly StringBuilder _text = new();
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly Utf8JsonWriter _writer;
    private readonly Dictionary<long, string> _comms = [];
    private char[] _chars = new char[1024];
    private KvmRecord _pairedCall;
    private bool _hasPaired;
    private bool _pairedHasCall;
    private bool _pairedTimed;
    private long _pairedLatency;
    private KvmClock _pairedClock;

    /// <summary>A writer.</summary>
    /// <param name="output">Where lines go.</param>
    /// <param name="json">JSON lines instead of text.</param>
    public TraceEventWriter(TextWriter output, bool json)
    {
        _output = output;
        _json = json;
        _writer = new Utf8JsonWriter(_buffer, JsonOptions);
    }

    /// <summary>An event, header or metadata line was seen.</summary>
    public bool AnythingRead { get; private set; }

    /// <inheritdoc/>
    public void OnCall(KvmHypercall call)
    {
        if (call.HasDone)
        {
            // Kept for the _done line, which comes next.
            _hasPaired = true;
            _pairedHasCall = call.HasCall;
            _pairedCall = call.Call;
            _pairedTimed = call.TryGetLatency(out _pairedLatency, out _pairedClock);
            return;
        }
        ref readonly var record = ref call.Call;
        if (_json)
        {
            StartJson(in record, default, "hypercall_without_done");
            WriteCallFields(in record);
            _writer.WriteString("outcome", call.Outcome == KvmCallOutcome.NoDoneAtEnd ? "log ended" : "next call of the task came first");
            EndJson();
            return;
        }
        _text.Clear();
        StartText(in record, default, "hypercall_without_done");
        _text.Append(CultureInfo.InvariantCulture, $" code=0x{record.Control.Code.Value:X4} {record.Control.Code} of line {record.Line}: ")
            .Append(call.Outcome == KvmCallOutcome.NoDoneAtEnd ? "the log ended first" : "the task's next call came first");
        EndText();
    }

    /// <inheritdoc/>
    public void OnRecord(in KvmRecord record, ReadOnlySpan<byte> line)
    {
        if (record.LineKind is KvmLineKind.Header or KvmLineKind.Metadata or KvmLineKind.DropMarker)
            AnythingRead = true;
        if (!record.IsEvent)
            return;
        AnythingRead = true;
        if (record.CommLength > 0 && !_comms.ContainsKey(record.Task))
            _comms[record.Task] = Encoding.UTF8.GetString(record.Comm(line));
        if (_json)
            Json(in record, line);
        else
            Text(in record, line);
        _hasPaired = false;
    }

    private void Text(in KvmRecord r, ReadOnlySpan<byte> line)
    {
        _text.Clear();
        var name = r.Kind == KvmEventKind.Other ? Encoding.UTF8.GetString(r.Name(line)) : KvmEventNames.NameOf(r.Kind);
        StartText(in r, line, name);
        var inv = CultureInfo.InvariantCulture;
        switch (r.Kind)
        {
            case KvmEventKind.Hypercall:
                var control = r.Control;
                _text.Append(inv, $" code=0x{control.Code.Value:X4} {control.Code} {(control.IsFast ? "fast" : "slow")} rep_count={control.RepCount} rep_start={control.RepStart}");
                _text.Append(inv, $" var_cnt={(r.Has(KvmRecordFlags.LegacyCountForm) ? "-" : control.VariableHeaderSize.ToString(inv))} in=0x{r.Word1:x} out=0x{r.Word2:x}");
                break;
            case KvmEventKind.HypercallDone:
                _text.Append(inv, $" result=0x{r.Word0:x} {HvStatusNames.TlfsName(r.Result.Status)} reps_completed={r.Result.RepsCompleted}");
                if (_hasPaired && _pairedHasCall)
                {
                    var call = _pairedCall.Control.Code;
                    _text.Append(inv, $" call=0x{call.Value:X4} {call} of line {_pairedCall.Line}");
                    if (_pairedTimed)
                        _text.Append(inv, $" latency={TraceNames.Latency(_pairedLatency, _pairedClock)}{TraceNames.LatencyUnit(_pairedClock)}");
                }
                else
                {
                    _text.Append(" (no open call of this task)");
                }
                break;
            case KvmEventKind.Msr:
                _text.Append(inv, $" {(r.Has(KvmRecordFlags.Write) ? "write" : "read")} msr=0x{r.Word0:X8} {TraceNames.MsrName(r.Word0) ?? "-"} data=0x{r.Word1:x}");
                if (r.Has(KvmRecordFlags.GeneralProtection))
                    _text.Append(" #GP");
                if (r.Has(KvmRecordFlags.SameAccessAsSynicWrite))
                    _text.Append(" (the kvm_hv_synic_set_msr write above)");
                break;
            case KvmEventKind.SynicSetMsr:
                _text.Append(inv, $" vcpu={r.Vcpu} msr=0x{r.Word0:X8} {TraceNames.MsrName(r.Word0) ?? "-"} data=0x{r.Word1:x} {(r.Has(KvmRecordFlags.Host) ? "host" : "guest")}");
                break;
            case KvmEventKind.Exit:
                _text.Append(' ').Append(Encoding.UTF8.GetString(r.Detail(line))).Append(r.Has(KvmRecordFlags.HypercallExit) ? " (hypercall)" : "")
                    .Append(inv, $" rip=0x{r.Word0:x}");
                break;
            case KvmEventKind.Entry:
                _text.Append(inv, $" vcpu={r.Vcpu} rip=0x{r.Word0:x}{(r.Has(KvmRecordFlags.ImmediateExit) ? " immediate-exit" : "")}");
                break;
            default:
                _text.Append(' ').Append(Encoding.UTF8.GetString(r.Detail(line)).TrimEnd());
                break;
        }
        EndText();
    }

    private void StartText(in KvmRecord r, ReadOnlySpan<byte> line, string name)
    {
        _text.Append(TraceNames.Time(r.Time, r.Clock)).Append(' ');
        var comm = Comm(in r, line);
        _text.Append(comm);
        if (r.Pid >= 0)
            _text.Append(CultureInfo.InvariantCulture, $"{(comm.Length == 0 ? "" : "-")}{r.Pid}");
        if (comm.Length == 0 && r.Pid < 0)
            _text.Append('-');
        _text.Append(r.Cpu >= 0 ? string.Create(CultureInfo.InvariantCulture, $" [{r.Cpu:D3}] ") : " [-] ").Append(name);
    }

    /// <summary>The record's comm; for a call reported after its line is gone, the comm its task was first seen with.</summary>
    private string Comm(in KvmRecord r, ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty)
            return r.CommLength > 0 ? Encoding.UTF8.GetString(r.Comm(line)) : string.Empty;
        return r.CommLength > 0 && _comms.TryGetValue(r.Task, out var comm) ? comm : string.Empty;
    }

    private void EndText()
    {
        _text.Append('\n');
        _output.Write(_text);
    }

    private void Json(in KvmRecord r, ReadOnlySpan<byte> line)
    {
        StartJson(in r, line, r.Kind == KvmEventKind.Other ? null : KvmEventNames.NameOf(r.Kind));
        switch (r.Kind)
        {
            case KvmEventKind.Hypercall:
                WriteCallFields(in r);
                break;
            case KvmEventKind.HypercallDone:
                _writer.WriteNumber("result", r.Word0);
                _writer.WriteNumber("status", (ushort)r.Result.Status);
                _writer.WriteString("statusName", HvStatusNames.TlfsName(r.Result.Status));
                _writer.WriteNumber("repsCompleted", r.Result.RepsCompleted);
                if (_hasPaired && _pairedHasCall)
                {
                    _writer.WriteStartObject("call");
                    WriteCallFields(in _pairedCall);
                    _writer.WriteEndObject();
                    if (_pairedTimed)
                        _writer.WriteNumber(_pairedClock == KvmClock.Counter ? "latencyTicks" : "latencyNs", _pairedLatency);
                }
                else
                {
                    _writer.WriteNull("call");
                }
                break;
            case KvmEventKind.Msr:
            case KvmEventKind.SynicSetMsr:
                _writer.WriteBoolean("write", r.Kind == KvmEventKind.SynicSetMsr || r.Has(KvmRecordFlags.Write));
                _writer.WriteNumber("msr", r.Word0);
                if (TraceNames.MsrName(r.Word0) is { } msrName)
                    _writer.WriteString("msrName", msrName);
                _writer.WriteNumber("data", r.Word1);
                _writer.WriteBoolean("host", r.Has(KvmRecordFlags.Host));
                _writer.WriteBoolean("generalProtection", r.Has(KvmRecordFlags.GeneralProtection));
                _writer.WriteBoolean("sameAccessAsSynicWrite", r.Has(KvmRecordFlags.SameAccessAsSynicWrite));
                break;
            case KvmEventKind.Exit:
                WriteUtf8("reason", r.Detail(line));
                _writer.WriteBoolean("hypercallExit", r.Has(KvmRecordFlags.HypercallExit));
                _writer.WriteNumber("rip", r.Word0);
                break;
            case KvmEventKind.Entry:
                _writer.WriteNumber("rip", r.Word0);
                break;
            default:
                WriteUtf8("payload", r.Detail(line).TrimEnd((byte)' '));
                break;
        }
        EndJson();
    }

    private void StartJson(in KvmRecord r, ReadOnlySpan<byte> line, string? name)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        if (name is null)
            WriteUtf8("event", r.Name(line));
        else
            _writer.WriteString("event", name);
        _writer.WriteNumber("line", r.Line);
        if (r.Clock == KvmClock.None)
            _writer.WriteNull("time");
        else
            _writer.WriteNumber("time", r.Time);
        _writer.WriteString("clock", r.Clock switch { KvmClock.Microseconds => "us", KvmClock.Nanoseconds => "ns", KvmClock.Counter => "counter", _ => "none" });
        if (!line.IsEmpty && r.CommLength > 0)
            WriteUtf8("comm", r.Comm(line));
        else if (_comms.TryGetValue(r.Task, out var comm))
            _writer.WriteString("comm", comm);
        else
            _writer.WriteNull("comm");
        WriteInt("pid", r.Pid);
        WriteInt("cpu", r.Cpu);
        WriteInt("vcpu", r.Vcpu);
    }

    private void WriteCallFields(in KvmRecord r)
    {
        var control = r.Control;
        _writer.WriteNumber("code", control.Code.Value);
        _writer.WriteString("name", control.Code.ToString());
        _writer.WriteBoolean("fast", control.IsFast);
        _writer.WriteNumber("repCount", control.RepCount);
        _writer.WriteNumber("repStart", control.RepStart);
        if (r.Has(KvmRecordFlags.LegacyCountForm))
            _writer.WriteNull("variableHeaderSize");
        else
            _writer.WriteNumber("variableHeaderSize", control.VariableHeaderSize);
        _writer.WriteNumber("input", r.Word1);
        _writer.WriteNumber("output", r.Word2);
        if (r.Line > 0)
            _writer.WriteNumber("callLine", r.Line);
    }

    private void EndJson()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        var bytes = _buffer.WrittenSpan;
        if (_chars.Length < bytes.Length)
            _chars = new char[bytes.Length * 2];
        var count = Encoding.UTF8.GetChars(bytes, _chars);
        _output.Write(_chars, 0, count);
        _output.Write('\n');
    }

    private void WriteInt(string name, int value)
    {
        if (value < 0)
            _writer.WriteNull(name);
        else
            _writer.WriteNumber(name, value);
    }

    /// <summary>Bytes of the log as a JSON string; bytes that are not UTF-8 are replaced, never refused.</summary>
    private void WriteUtf8(string name, ReadOnlySpan<byte> value)
    {
        if (Utf8.IsValid(value))
            _writer.WriteString(name, value);
        else
            _writer.WriteString(name, Encoding.UTF8.GetString(value));
    }
}
