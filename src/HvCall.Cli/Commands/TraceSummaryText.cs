using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;
using HvCall.Tracing.Kvm;

namespace HvCall.Cli.Commands;

/// <summary>The text form of <c>hvcall trace</c>'s summary.</summary>
internal static class TraceSummaryText
{
    /// <summary>Writes the summary.</summary>
    /// <param name="output">Where it goes.</param>
    /// <param name="path">The input (<c>-</c> for stdin).</param>
    /// <param name="s">The summary.</param>
    public static void Write(TextWriter output, string path, KvmSummary s)
    {
        var unit = TraceNames.LatencyUnit(s.LatencyClock);
        TextListing.WriteFields(output,
        [
            ("input", $"{(path == "-" ? "standard input" : path)} ({N(s.Bytes)} bytes, {N(s.Lines)} lines{(s.EndedInsideLine ? "; ends inside a line: truncated?" : "")})"),
            ("lines", $"{N(s.LinesOf(KvmLineKind.Event))} events, {N(s.LinesOf(KvmLineKind.Header))} headers, {N(s.LinesOf(KvmLineKind.Blank))} blank, "
                + $"{N(s.LinesOf(KvmLineKind.Metadata))} metadata, {N(s.LinesOf(KvmLineKind.DropMarker))} drop markers ({N(s.DroppedEvents)} events dropped), "
                + $"{N(s.LinesOf(KvmLineKind.Unparsed))} unparsed"),
            ("hypercalls", $"{N(s.Hypercalls)}: {N(s.Completed)} with _done, {N(s.WithoutDone + s.WithoutDoneAtEnd)} without ({N(s.WithoutDoneAtEnd)} open at the end), "
                + $"{N(s.DonesWithoutCall)} _done without a call"),
            ("latency", unit is null ? "not measured (no paired call with time stamps of one clock)" : $"call -> _done, in {unit}; p50 from a log-linear histogram (within ~3%)"),
        ]);

        var codes = s.Codes();
        if (codes.Count > 0)
        {
            output.WriteLine();
            var rows = new List<IReadOnlyList<string>>();
            foreach (var c in codes)
            {
                var latency = c.Latency.Count == 0 || unit is null
                    ? ["-", "-", "-"]
                    : new[] { c.Latency.Min, c.Latency.Percentile(0.5), c.Latency.Max }.Select(v => N(TraceNames.Latency(v, s.LatencyClock))).ToArray();
                rows.Add([$"0x{c.Code.Value:X4}", c.CatalogName ?? "(not in the catalog)", N(c.Calls), N(c.Fast), N(c.Slow), N(c.WithoutDone),
                    N(c.Latency.Count), latency[0], latency[1], latency[2]]);
            }
            TextListing.WriteTable(output, ["code", "name", "calls", "fast", "slow", "no_done", "timed", "min", "p50", "max"], rows);
            output.WriteLine();
            foreach (var c in codes)
            {
                var statuses = string.Join(", ", c.Statuses().Select(x => $"{HvStatusNames.TlfsName(x.Status)} {N(x.Count)}"));
                var reps = string.Join(", ", Enumerable.Range(0, KvmCodeStats.RepBucketCount).Where(b => c.RepBucketCalls(b) > 0)
                    .Select(b => $"{RepRange(b)}: {N(c.RepBucketCalls(b))}"));
                var extra = $"{(c.WithVariableHeader > 0 ? $"; var_cnt > 0: {N(c.WithVariableHeader)}" : "")}{(c.Resumed > 0 ? $"; resumed (idx > 0): {N(c.Resumed)}" : "")}"
                    + (c.RepsShort > 0 ? $"; fewer reps completed than asked: {N(c.RepsShort)}" : "");
                output.WriteLine($"0x{c.Code.Value:X4}  statuses: {(statuses.Length == 0 ? "none (no _done)" : statuses)}; rep counts: {reps}{extra}");
            }
        }

        var msrs = s.Msrs();
        output.WriteLine();
        if (msrs.Count == 0)
        {
            output.WriteLine("synthetic MSRs: none accessed");
        }
        else
        {
            output.WriteLine("synthetic MSRs (a guest write seen as kvm_hv_synic_set_msr and kvm_msr counts once):");
            TextListing.WriteTable(output, ["msr", "name", "reads", "guest_writes", "host_writes", "gp"],
                msrs.Select(m => (IReadOnlyList<string>)[$"0x{m.Msr:X8}", TraceNames.MsrName(m.Msr) ?? "-", N(m.Reads), N(m.GuestWrites), N(m.HostWrites), N(m.GeneralProtection)]).ToList());
        }
        if (s.OtherMsrReads + s.OtherMsrWrites > 0)
            output.WriteLine($"other MSRs (kvm_msr): {N(s.OtherMsrReads)} reads, {N(s.OtherMsrWrites)} writes");

        output.WriteLine();
        var events = new List<IReadOnlyList<string>>();
        for (var kind = KvmEventKind.Msr; kind <= KvmEventKind.Entry; kind++)
        {
            if (s.EventsOf(kind) > 0)
                events.Add([KvmEventNames.NameOf(kind), N(s.EventsOf(kind))]);
        }
        if (s.HypercallExits > 0)
            events.Add(["(kvm_exit for a hypercall)", N(s.HypercallExits)]);
        foreach (var (name, count) in s.OtherEvents.Counts())
            events.Add([name + " (other)", N(count)]);
        if (s.OtherEvents.Overflow > 0)
            events.Add([$"(more than {EventNameCounter.Capacity} other names)", N(s.OtherEvents.Overflow)]);
        if (events.Count == 0)
            output.WriteLine("other events: none");
        else
            TextListing.WriteTable(output, ["event", "count"], events);

        output.WriteLine();
        var reasons = Reasons().Where(r => s.Unparsed(r) > 0).Select(r => $"{TraceNames.Reason(r)} {N(s.Unparsed(r))}").ToList();
        output.WriteLine($"unparsed lines: {(reasons.Count == 0 ? "none" : string.Join(", ", reasons))}");
    }

    /// <summary>Every reason a line can be unparsed for.</summary>
    public static IEnumerable<KvmUnparsedReason> Reasons()
    {
        for (var r = KvmUnparsedReason.NoEvent; r <= KvmUnparsedReason.PrefixWithoutEvent; r++)
            yield return r;
    }

    private static string RepRange(int bucket)
    {
        var low = KvmCodeStats.RepBucketLow(bucket);
        var high = KvmCodeStats.RepBucketHigh(bucket);
        return low == high ? N(low) : $"{N(low)}-{N(high)}";
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
