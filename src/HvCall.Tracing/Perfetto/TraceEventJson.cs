using System;
using System.IO;
using System.Text.Json;

namespace HvCall.Tracing.Perfetto;

/// <summary>
/// The Chrome trace-event JSON document both timeline writers produce (trace-formats.md §5): the
/// <c>{"displayTimeUnit":"ns","traceEvents":[…]}</c> container, <c>M</c> metadata naming processes and threads, thread
/// instants, and flushing in 64 KiB pieces so memory stays constant however long the trace.
/// </summary>
internal sealed class TraceEventJson : IDisposable
{
    private const int FlushThreshold = 1 << 16;

    /// <summary>Opens the document on <paramref name="output"/> (which it does not close).</summary>
    public TraceEventJson(Stream output)
    {
        Writer = new Utf8JsonWriter(output);
        Writer.WriteStartObject();
        Writer.WriteString("displayTimeUnit", "ns");
        Writer.WriteStartArray("traceEvents");
    }

    /// <summary>The writer, positioned inside the <c>traceEvents</c> array.</summary>
    public Utf8JsonWriter Writer { get; }

    /// <summary>An <c>M</c> event: <paramref name="name"/> (<c>process_name</c>, <c>thread_name</c>) with args <c>{"name": label}</c>,
    /// or with <paramref name="label"/> null, args <c>{"sort_index": sortIndex}</c>.</summary>
    public void Metadata(int pid, int? tid, string name, string? label, int sortIndex = 0)
    {
        Writer.WriteStartObject();
        Writer.WriteString("ph", "M");
        Writer.WriteNumber("pid", pid);
        if (tid is { } thread)
            Writer.WriteNumber("tid", thread);
        Writer.WriteString("name", name);
        Writer.WriteStartObject("args");
        if (label is not null)
            Writer.WriteString("name", label);
        else
            Writer.WriteNumber("sort_index", sortIndex);
        Writer.WriteEndObject();
        Writer.WriteEndObject();
    }

    /// <summary>A thread-scoped <c>i</c> event at <paramref name="timeNs"/> with up to two numeric args (none when
    /// <paramref name="key0"/> is null).</summary>
    public void Instant(int pid, int tid, long timeNs, string name, string category, string? key0 = null, ulong value0 = 0, string? key1 = null, ulong value1 = 0)
    {
        Writer.WriteStartObject();
        Writer.WriteString("ph", "i");
        Writer.WriteString("s", "t");
        Writer.WriteNumber("pid", pid);
        Writer.WriteNumber("tid", tid);
        Writer.WriteNumber("ts", timeNs / 1000.0);
        Writer.WriteString("name", name);
        Writer.WriteString("cat", category);
        if (key0 is not null)
        {
            Writer.WriteStartObject("args");
            Writer.WriteNumber(key0, value0);
            if (key1 is not null)
                Writer.WriteNumber(key1, value1);
            Writer.WriteEndObject();
        }
        Writer.WriteEndObject();
    }

    /// <summary>Hands what is pending to the stream once 64 KiB have gathered.</summary>
    public void FlushIfFull()
    {
        if (Writer.BytesPending >= FlushThreshold)
            Writer.Flush();
    }

    /// <summary>Closes the array and the object and flushes.</summary>
    public void Dispose()
    {
        Writer.WriteEndArray();
        Writer.WriteEndObject();
        Writer.Flush();
        Writer.Dispose();
    }
}
