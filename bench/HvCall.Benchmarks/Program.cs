using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace HvCall.Benchmarks;

/// <summary>
/// Entry point. <c>--dump-codes</c> prints the catalog (hex code and 1 when a nested root sends it nested,
/// one per line) for the C program; <c>--mix-digests</c> prints each mix's FNV-1a digest so run.sh can check
/// that C and C# time the same mixes; <c>--report RESULTS_DIR NATIVE_FILE</c> prints the
/// comparison tables (see <see cref="Report"/>); <c>--echo-signals</c> counts signals per packet on the echo
/// channel (deterministic, no timing); anything else goes to BenchmarkSwitcher.
/// </summary>
internal static class Program
{
    private const int MixNameWidth = 40;

    private static int Main(string[] args)
    {
        if (args is ["--dump-codes"])
        {
            var nested = CodeMix.NestedCodes();
            foreach (var code in CodeMix.CatalogCodes())
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"0x{code.Value:X4} {(nested.Contains(code) ? 1 : 0)}"));
            return 0;
        }
        if (args is ["--mix-digests"])
        {
            foreach (var kind in Enum.GetValues<MixKind>())
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} {CodeMix.Create(kind).Digest():X16}"));
            return 0;
        }
        if (args is ["--echo-signals"])
            return EchoSignals.Print(Console.Out);
        if (args is ["--report", var resultsDirectory, var nativeFile])
            return Report.Print(resultsDirectory, nativeFile, Console.Out);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, QuickConfig());
        return 0;
    }

    /// <summary>
    /// A job quick enough for a 2-core machine (a suite in a few minutes) yet stable to a tenth of a
    /// nanosecond: 5 warm-up and 15 measured iterations of about 250 ms each, one process.
    /// A job given on the command line (--job) replaces it.
    /// </summary>
    private static ManualConfig QuickConfig()
    {
        var job = Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("Quick")
            .AsDefault();
        // The CSV is in ns and bytes without units, for --report; the markdown is for reading.
        var csvStyle = new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, SizeUnit.B, TimeUnit.Nanosecond,
            printUnitsInContent: false, printZeroValuesInContent: true, maxParameterColumnWidth: MixNameWidth);
        var defaults = DefaultConfig.Instance;
        return ManualConfig.CreateEmpty()
            .AddColumnProvider(defaults.GetColumnProviders().ToArray())
            .AddLogger(defaults.GetLoggers().ToArray())
            .AddAnalyser(defaults.GetAnalysers().ToArray())
            .AddValidator(defaults.GetValidators().ToArray())
            .AddExporter(new CsvExporter(CsvSeparator.Semicolon, csvStyle), MarkdownExporter.GitHub)
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(MixNameWidth))
            .AddJob(job);
    }
}
