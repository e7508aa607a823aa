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
    public List<KvmHypercall> Calls { get; } = [];

    /// <summary>The order of callbacks: "R&lt;line&gt;" for a record, "C&lt;outcome&gt;" for a call.</summary>
    public List<string> Order { get; } = [];

    public void OnRecord(in KvmRecord record, ReadOnlySpan<byte> line)
    {
        Records.Add(record);
        Lines.Add(Encoding.UTF8.GetString(line));
        Order.Add("R" + record.Line);
    }

    public void OnCall(in KvmHypercall call)
    {
        Calls.Add(call);
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
