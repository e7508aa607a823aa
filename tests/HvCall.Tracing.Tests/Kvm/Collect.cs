using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using HvCall.Tracing.Kvm;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>A sink that keeps everything it is given, in order, for assertions.</summary>
internal sealed class Collect : IKvmTraceSink
{
    public List<KvmRecord> Records { get; } = [];
    public List<string> Lines { get; } = [];
    public List<StoredCall> Calls { get; } = [];

    /// <summary>The order of callbacks: "R&lt;line&gt;" for a record, "C&lt;outcome&gt;" for a call.</summary>
    public List<string> Order { get; } = [];

    public void OnRecord(in KvmRecord record, ReadOnlySpan<byte> line)
    {
        Records.Add(record);
        Lines.Add(Encoding.UTF8.GetString(line));
        Order.Add("R" + record.Line);
    }

    public void OnCall(KvmHypercall call)
    {
        Calls.Add(new StoredCall(call.Outcome, call.Call, call.Done));
        Order.Add("C" + call.Outcome);
    }

    public static Collect Read(string text, int bufferSize = KvmReaderOptions.DefaultBufferSize)
    {
        var sink = new Collect();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        KvmTraceReader.Read(stream, sink, new KvmReaderOptions { BufferSize = bufferSize });
        return sink;
    }

    public static string Join(params string[] lines) => string.Join("\n", lines) + "\n";
}

/// <summary>A copy of a <see cref="KvmHypercall"/> (a ref struct, valid only during OnCall) that a test can keep.</summary>
internal sealed class StoredCall(KvmCallOutcome outcome, KvmRecord call, KvmRecord done)
{
    private readonly KvmRecord _call = call;
    private readonly KvmRecord _done = done;

    public KvmCallOutcome Outcome => outcome;
    private KvmHypercall View => new(outcome, in _call, in _done);
    public bool HasCall => View.HasCall;
    public bool HasDone => View.HasDone;
    public HvCall.Abi.HvCallCode Code => View.Code;
    public string? CatalogName => View.CatalogName;
    public bool IsFast => View.IsFast;
    public int RepCount => View.RepCount;
    public HvCall.Abi.HvStatus Status => View.Status;
    public int RepsCompleted => View.RepsCompleted;
    public bool TryGetLatency(out long latency, out KvmClock clock) => View.TryGetLatency(out latency, out clock);
}
