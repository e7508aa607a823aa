using System.Linq;
using System.Text;
using HvCall.Tracing.Kvm;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>Every public figure of a summary as text, to compare two summaries of the same log.</summary>
internal static class SummaryDump
{
    public static string Describe(KvmSummary s)
    {
        var b = new StringBuilder();
        b.AppendLine($"lines {s.Lines} bytes {s.Bytes} cut {s.EndedInsideLine} binary {s.Binary} dropped {s.DroppedEvents}");
        for (var k = KvmLineKind.Event; k <= KvmLineKind.Unparsed; k++)
            b.AppendLine($"kind {k} {s.LinesOf(k)}");
        for (var r = KvmUnparsedReason.None; r <= KvmUnparsedReason.PrefixWithoutEvent; r++)
            b.AppendLine($"reason {r} {s.Unparsed(r)}");
        for (var e = KvmEventKind.None; e <= KvmEventKind.Entry; e++)
            b.AppendLine($"event {e} {s.EventsOf(e)}");
        b.AppendLine($"calls {s.Hypercalls} {s.Completed} {s.WithoutDone} {s.WithoutDoneAtEnd} {s.DonesWithoutCall} exits {s.HypercallExits} clock {s.LatencyClock}");
        foreach (var c in s.Codes())
        {
            b.AppendLine($"code {c.Code.Value:x} {c.Calls} {c.Fast} {c.WithVariableHeader} {c.Resumed} {c.Completed} {c.WithoutDone} {c.RepsShort}"
                + $" lat {c.Latency.Count} {c.Latency.Min} {c.Latency.Percentile(0.5)} {c.Latency.Max}"
                + " st " + string.Join(",", c.Statuses().Select(x => $"{x.Status}:{x.Count}"))
                + " reps " + string.Join(",", Enumerable.Range(0, KvmCodeStats.RepBucketCount).Select(c.RepBucketCalls)));
        }
        foreach (var m in s.Msrs())
            b.AppendLine($"msr {m}");
        b.AppendLine($"other msr {s.OtherMsrReads} {s.OtherMsrWrites}");
        foreach (var (name, count) in s.OtherEvents.Counts())
            b.AppendLine($"other {name} {count}");
        b.AppendLine($"other total {s.OtherEvents.Total} overflow {s.OtherEvents.Overflow}");
        return b.ToString();
    }
}
