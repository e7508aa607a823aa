using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace HvCall.Benchmarks;

/// <summary>
/// <c>--report RESULTS_DIR NATIVE_FILE</c>: reads the BenchmarkDotNet CSV reports (written in ns, no units)
/// and the C program's RESULT lines, and prints the side-by-side tables and the performance targets as markdown.
/// </summary>
internal static class Report
{
    private static readonly string[] MixOrder = [.. Enum.GetNames<MixKind>()];
    private static readonly string[] Strategies = ["Bitmap", "NestedSwitch", "CallSiteTernary", "NoRouting"];

    public static int Print(string resultsDirectory, string nativeFile, TextWriter output)
    {
        var decision = ReadCsv(Path.Combine(resultsDirectory, "HvCall.Benchmarks.RoutingDecisionBenchmarks-report.csv"), "Mix");
        var issuing = ReadCsv(Path.Combine(resultsDirectory, "HvCall.Benchmarks.IssuingPathBenchmarks-report.csv"), "mix");
        var native = ReadNative(nativeFile);
        var o = new StringBuilder();
        var targets = new List<string>();

        if (decision.Count > 0)
        {
            o.AppendLine("### Routing decision: C# bitmap vs C bitmap (ns per decision)").AppendLine();
            o.AppendLine("| Mix | C# bitmap | C bitmap | C#/C | C# floor (no routing) | C# bitmap − floor |");
            o.AppendLine("|---|---:|---:|---:|---:|---:|");
            double worstNs = 0, worstRatio = 0;
            foreach (var mix in MixOrder)
            {
                var cs = Mean(decision, "Bitmap", mix);
                var c = native.GetValueOrDefault(("Bitmap", mix), double.NaN);
                var floor = Mean(decision, "NoRouting", mix);
                worstNs = Math.Max(worstNs, cs);
                worstRatio = Math.Max(worstRatio, cs / c);
                o.AppendLine(Inv($"| {mix} | {cs:F3} | {c:F3} | {cs / c:F2}x | {floor:F3} | {cs - floor:F3} |"));
            }
            targets.Add(Inv($"Bitmap decision <= 1 ns: {Verdict(worstNs <= 1.0)} (worst mix {worstNs:F3} ns)"));
            targets.Add(Inv($"Bitmap within 1.5x of C: {Verdict(worstRatio <= 1.5)} (worst mix {worstRatio:F2}x)"));

            o.AppendLine().AppendLine("### Routing decision by strategy (ns per decision; ratio = strategy / bitmap)").AppendLine();
            o.AppendLine("| Mix | lang | Bitmap | NestedSwitch | CallSiteTernary | NoRouting | Bitmap/Switch |");
            o.AppendLine("|---|---|---:|---:|---:|---:|---:|");
            var bitmapNeverSlower = true;
            double worstVsSwitch = 0;
            foreach (var mix in MixOrder)
            {
                foreach (var (lang, get) in new (string, Func<string, double>)[]
                         { ("C#", s => Mean(decision, s, mix)), ("C", s => native.GetValueOrDefault((s, mix), double.NaN)) })
                {
                    var b = get("Bitmap");
                    var cells = string.Join(" | ", Strategies.Select(s => Inv($"{get(s):F3} ({get(s) / b:F2})")));
                    var vsSwitch = b / get("NestedSwitch");
                    if (lang == "C#")
                    {
                        bitmapNeverSlower &= vsSwitch <= 1.0;
                        worstVsSwitch = Math.Max(worstVsSwitch, vsSwitch);
                    }
                    o.AppendLine(Inv($"| {mix} | {lang} | {cells} | {vsSwitch:F2}x |"));
                }
            }
            targets.Add(Inv($"Bitmap never slower than the switch (C#, decision alone): {Verdict(bitmapNeverSlower)} (worst mix: bitmap {worstVsSwitch:F2}x the switch)"));
        }

        if (issuing.Count > 0)
        {
            o.AppendLine().AppendLine("### Whole issuing path, no-op instruction (ns per hypercall)").AppendLine();
            o.AppendLine("| Mix | Real Hypercalls.Simple (bitmap) | Mirror bitmap | Mirror switch | Mirror ternary | Mirror none | Real vs none | Mirror bitmap vs none |");
            o.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            double worstReal = double.MinValue, worstMirror = double.MinValue;
            var suspects = new List<string>();
            foreach (var mix in MixOrder)
            {
                foreach (var method in new[] { "RealBitmap", "MirrorBitmap", "MirrorSwitch", "MirrorTernary", "MirrorNone" })
                {
                    var others = new[] { "RealBitmap", "MirrorBitmap", "MirrorSwitch", "MirrorTernary", "MirrorNone" }
                        .Where(m => m != method).Select(m => Mean(issuing, m, mix)).Order().ToArray();
                    if (Mean(issuing, method, mix) > 2 * others[others.Length / 2])
                        suspects.Add($"{method}/{mix}");
                }
                var real = Mean(issuing, "RealBitmap", mix);
                var none = Mean(issuing, "MirrorNone", mix);
                var mirror = Mean(issuing, "MirrorBitmap", mix);
                var realPct = (real / none - 1) * 100;
                var mirrorPct = (mirror / none - 1) * 100;
                worstReal = Math.Max(worstReal, realPct);
                worstMirror = Math.Max(worstMirror, mirrorPct);
                o.AppendLine(Inv($"| {mix} | {real:F3} | {mirror:F3} | {Mean(issuing, "MirrorSwitch", mix):F3} | {Mean(issuing, "MirrorTernary", mix):F3} | {none:F3} | {realPct:+0.0;-0.0}% | {mirrorPct:+0.0;-0.0}% |"));
            }
            o.AppendLine().AppendLine(Inv($"Absolute: SignalEvent (fast-8) {Mean(issuing, "SignalEvent", ""):F3} ns, PostMessage (256 bytes) {Mean(issuing, "PostMessage", ""):F3} ns per call."));
            if (suspects.Count > 0)
            {
                o.AppendLine().AppendLine($"WARNING: more than twice the median of its row, so probably a process whose stack put the 144-byte register block across a page (split 64-byte stores; see page_split): {string.Join(", ", suspects)}. Re-run `bench/run.sh issuing` before reading the issuing figures.");
            }
            var maxAllocated = issuing.Values.Max(row => row.Allocated);
            o.AppendLine().AppendLine(Inv($"Allocated per invocation, largest over every issuing benchmark: {maxAllocated} B."));
            targets.Add(Inv($"Issuing path with the bitmap within 5% of no routing: mirror {Verdict(worstMirror <= 5)} (worst {worstMirror:+0.0;-0.0}%), real Hypercalls {Verdict(worstReal <= 5)} (worst {worstReal:+0.0;-0.0}%)"));
            targets.Add(Inv($"0 bytes allocated per hypercall on every issuing path: {Verdict(maxAllocated == 0)} (max {maxAllocated} B)"));
        }

        o.AppendLine().AppendLine("### Targets").AppendLine();
        foreach (var target in targets)
            o.AppendLine("- " + target);
        output.Write(o.ToString());
        return 0;
    }

    private static string Verdict(bool met) => met ? "MET" : "NOT MET";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static double Mean(Dictionary<(string Method, string Mix), Row> rows, string method, string mix) =>
        rows.TryGetValue((method, mix), out var row) ? row.MeanNs : double.NaN;

    private sealed record Row(double MeanNs, long Allocated);

    private static Dictionary<(string, string), Row> ReadCsv(string path, string mixColumn)
    {
        var rows = new Dictionary<(string, string), Row>();
        if (!File.Exists(path))
            return rows;
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(';');
        int Column(string name) => Array.IndexOf(header, name);
        int method = Column("Method"), mix = Column(mixColumn), mean = Column("Mean [ns]"), allocated = Column("Allocated [B]");
        if (method < 0 || mean < 0 || allocated < 0)
            throw new InvalidDataException($"{path}: expected Method, 'Mean [ns]' and 'Allocated [B]' columns.");
        foreach (var line in lines.Skip(1).Where(static l => l.Length > 0))
        {
            var cells = line.Split(';');
            var mixName = mix >= 0 && cells[mix] != "?" ? cells[mix] : "";
            rows[(cells[method], mixName)] = new Row(Number(cells[mean]), (long)Number(cells[allocated]));
        }
        return rows;
    }

    private static double Number(string cell)
    {
        var text = cell.Replace(",", "", StringComparison.Ordinal).Trim();
        return text is "-" or "" or "NA" ? 0 : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static Dictionary<(string, string), double> ReadNative(string path)
    {
        var results = new Dictionary<(string, string), double>();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["RESULT", var strategy, var mix, var ns])
                results[(strategy, mix)] = double.Parse(ns, CultureInfo.InvariantCulture);
        }
        return results;
    }
}
