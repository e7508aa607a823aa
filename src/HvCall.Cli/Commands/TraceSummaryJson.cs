using System.IO;
using System.Text.Json;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;
using HvCall.Tracing.Kvm;

namespace HvCall.Cli.Commands;

/// <summary>The JSON form of <c>hvcall trace</c>'s summary (<see cref="Utf8JsonWriter"/>, no reflection).</summary>
internal static class TraceSummaryJson
{
    /// <summary>Writes the summary as one JSON object.</summary>
    /// <param name="output">Where it goes.</param>
    /// <param name="path">The input (<c>-</c> for stdin).</param>
    /// <param name="s">The summary.</param>
    public static void Write(TextWriter output, string path, KvmSummary s) => JsonOutput.Write(output, w =>
    {
        w.WriteStartObject();
        w.WriteString("input", path);
        w.WriteNumber("bytes", s.Bytes);
        w.WriteNumber("lines", s.Lines);
        w.WriteBoolean("endedInsideLine", s.EndedInsideLine);
        w.WriteStartObject("lineKinds");
        w.WriteNumber("event", s.LinesOf(KvmLineKind.Event));
        w.WriteNumber("header", s.LinesOf(KvmLineKind.Header));
        w.WriteNumber("blank", s.LinesOf(KvmLineKind.Blank));
        w.WriteNumber("metadata", s.LinesOf(KvmLineKind.Metadata));
        w.WriteNumber("dropMarker", s.LinesOf(KvmLineKind.DropMarker));
        w.WriteNumber("unparsed", s.LinesOf(KvmLineKind.Unparsed));
        w.WriteEndObject();
        w.WriteNumber("droppedEvents", s.DroppedEvents);
        w.WriteStartObject("unparsed");
        foreach (var reason in TraceSummaryText.Reasons())
            w.WriteNumber(TraceNames.Reason(reason), s.Unparsed(reason));
        w.WriteEndObject();

        var unit = TraceNames.LatencyUnit(s.LatencyClock);
        if (unit is null)
            w.WriteNull("latencyUnit");
        else
            w.WriteString("latencyUnit", unit);
        w.WriteStartObject("hypercalls");
        w.WriteNumber("calls", s.Hypercalls);
        w.WriteNumber("completed", s.Completed);
        w.WriteNumber("withoutDone", s.WithoutDone);
        w.WriteNumber("withoutDoneAtEnd", s.WithoutDoneAtEnd);
        w.WriteNumber("donesWithoutCall", s.DonesWithoutCall);
        w.WriteEndObject();

        w.WriteStartArray("codes");
        foreach (var c in s.Codes())
            WriteCode(w, c, s.LatencyClock);
        w.WriteEndArray();

        w.WriteStartArray("msrs");
        foreach (var m in s.Msrs())
        {
            w.WriteStartObject();
            w.WriteNumber("msr", m.Msr);
            if (TraceNames.MsrName(m.Msr) is { } name)
                w.WriteString("name", name);
            else
                w.WriteNull("name");
            w.WriteNumber("reads", m.Reads);
            w.WriteNumber("guestWrites", m.GuestWrites);
            w.WriteNumber("hostWrites", m.HostWrites);
            w.WriteNumber("generalProtection", m.GeneralProtection);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("otherMsrs");
        w.WriteNumber("reads", s.OtherMsrReads);
        w.WriteNumber("writes", s.OtherMsrWrites);
        w.WriteEndObject();

        w.WriteStartObject("events");
        for (var kind = KvmEventKind.Hypercall; kind <= KvmEventKind.Entry; kind++)
            w.WriteNumber(KvmEventNames.NameOf(kind), s.EventsOf(kind));
        w.WriteEndObject();
        w.WriteNumber("hypercallExits", s.HypercallExits);
        w.WriteStartObject("otherEvents");
        w.WriteNumber("total", s.OtherEvents.Total);
        w.WriteNumber("overflow", s.OtherEvents.Overflow);
        w.WriteStartObject("byName");
        foreach (var (name, count) in s.OtherEvents.Counts())
            w.WriteNumber(name, count);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static void WriteCode(Utf8JsonWriter w, KvmCodeStats c, KvmClock clock)
    {
        w.WriteStartObject();
        w.WriteNumber("code", c.Code.Value);
        w.WriteString("name", c.Code.ToString());
        w.WriteBoolean("known", c.CatalogName is not null);
        w.WriteNumber("calls", c.Calls);
        w.WriteNumber("fast", c.Fast);
        w.WriteNumber("slow", c.Slow);
        w.WriteNumber("withVariableHeader", c.WithVariableHeader);
        w.WriteNumber("resumed", c.Resumed);
        w.WriteNumber("completed", c.Completed);
        w.WriteNumber("withoutDone", c.WithoutDone);
        w.WriteNumber("repsShort", c.RepsShort);
        w.WriteStartArray("statuses");
        foreach (var (status, count) in c.Statuses())
        {
            w.WriteStartObject();
            w.WriteNumber("status", (ushort)status);
            w.WriteString("statusName", HvStatusNames.TlfsName(status));
            w.WriteNumber("count", count);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("repCounts");
        for (var b = 0; b < KvmCodeStats.RepBucketCount; b++)
        {
            if (c.RepBucketCalls(b) == 0)
                continue;
            w.WriteStartObject();
            w.WriteNumber("min", KvmCodeStats.RepBucketLow(b));
            w.WriteNumber("max", KvmCodeStats.RepBucketHigh(b));
            w.WriteNumber("calls", c.RepBucketCalls(b));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (c.Latency.Count == 0 || clock == KvmClock.None)
        {
            w.WriteNull("latency");
        }
        else
        {
            w.WriteStartObject("latency");
            w.WriteNumber("count", c.Latency.Count);
            w.WriteNumber("min", TraceNames.Latency(c.Latency.Min, clock));
            w.WriteNumber("p50", TraceNames.Latency(c.Latency.Percentile(0.5), clock));
            w.WriteNumber("max", TraceNames.Latency(c.Latency.Max, clock));
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
