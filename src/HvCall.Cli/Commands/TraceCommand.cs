using System;
using System.CommandLine;
using System.IO;
using HvCall.Cli.Infrastructure;
using HvCall.Tracing.Kvm;
using HvCall.Tracing.Perfetto;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall trace [FILE|-] [--events] [--json] [--threads N]</c>: reads a KVM trace log of Hyper-V hypercalls (raw
/// ftrace, <c>trace-cmd report</c>, <c>perf script</c> text; trace-formats.md §1) and prints its summary, or with
/// <c>--events</c> the decoded events one per line.
/// </summary>
internal static class TraceCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context) => Create(context, Console.OpenStandardInput, static () => Console.IsInputRedirected);

    /// <summary>Builds the verb with a given standard input (tests).</summary>
    /// <param name="context">The streams the action writes to.</param>
    /// <param name="openStandardInput">Opens standard input.</param>
    /// <param name="inputRedirected">True when standard input is a pipe or file, not a terminal.</param>
    internal static Command Create(CliContext context, Func<Stream> openStandardInput, Func<bool> inputRedirected)
    {
        var file = new Argument<string?>("file")
        {
            Description = "The log: a file, or - (the default when stdin is a pipe) for standard input.",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "FILE|-",
        };
        var events = new Option<bool>("--events") { Description = "Print the decoded events, one per line (JSON lines with --json), instead of the summary." };
        var threads = CommonOptions.Number("--threads", "Threads to summarise a file on (default: one per processor); a pipe is read on one.");
        var json = CommonOptions.Json();
        var perfetto = new Option<string>("--perfetto")
        {
            Description = "Write the log as a timeline to FILE (Chrome trace-event JSON for ui.perfetto.dev: a thread per task, a slice per call) instead of the summary.",
            HelpName = "FILE",
        };
        var command = new Command("trace",
            "Summarise a KVM trace log of Hyper-V hypercalls (raw ftrace, trace-cmd report or perf script text): per code, status, rep count, latency, SynIC MSRs.")
        {
            file,
            events,
            threads,
            json,
            perfetto,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(file);
            if (path is null && !inputRedirected())
                throw new CliUsageException("No log to read: give a FILE, or pipe a log into 'hvcall trace -'. (see 'hvcall trace --help')");
            path ??= "-";
            var threadCount = parseResult.GetValue(threads) is { } t
                ? t is >= 1 and <= 64 ? (int)t : throw new CliUsageException($"--threads: 1 to 64 threads, not {t}.")
                : 0;
            var options = new KvmReaderOptions { Workers = threadCount };
            var asJson = parseResult.GetValue(json);
            if (parseResult.GetValue(perfetto) is { } timeline)
                return Timeline(context, path, openStandardInput, options, timeline);
            return parseResult.GetValue(events)
                ? Events(context, path, openStandardInput, options, asJson)
                : Summary(context, path, openStandardInput, options, asJson);
        });
        return command;
    }

    private static int Summary(CliContext context, string path, Func<Stream> openStandardInput, KvmReaderOptions options, bool asJson)
    {
        KvmSummary summary;
        if (path == "-")
        {
            using var input = openStandardInput();
            summary = KvmTraceSummarizer.Summarize(input, options);
        }
        else
        {
            summary = Open(path, p => KvmTraceSummarizer.SummarizeFile(p, options));
        }
        CheckSomethingRead(path, summary.Bytes, summary.Binary, summary.AnythingRead, summary.Lines);
        if (asJson)
            TraceSummaryJson.Write(context.Out, path, summary);
        else
            TraceSummaryText.Write(context.Out, path, summary);
        return ExitCodes.Success;
    }

    private static int Events(CliContext context, string path, Func<Stream> openStandardInput, KvmReaderOptions options, bool asJson)
    {
        var writer = new TraceEventWriter(context.Out, asJson);
        var result = Read(path, openStandardInput, writer, options);
        context.Out.Flush();
        CheckSomethingRead(path, result.Bytes, result.Binary, writer.AnythingRead, result.Lines);
        if (result.EndedInsideLine)
            context.Error.WriteLine($"hvcall: warning: {Name(path)} ends inside a line (a truncated file?); the last line was read as far as it goes.");
        return ExitCodes.Success;
    }

    private static int Timeline(CliContext context, string path, Func<Stream> openStandardInput, KvmReaderOptions options, string timeline)
    {
        using var output = TraceOutputs.Create(timeline);
        KvmReadResult result;
        long slices, events;
        using (var sink = new KvmPerfettoSink(output))
        {
            result = Read(path, openStandardInput, sink, options);
            slices = sink.Slices;
            events = sink.Events;
        }
        CheckSomethingRead(path, result.Bytes, result.Binary, events > 0, result.Lines);
        context.Out.WriteLine($"{timeline}: {slices} hypercall slices from {result.Lines} lines of {Name(path)}");
        return ExitCodes.Success;
    }

    // Reads the log line by line into a sink: standard input for "-", else the file (a missing one is a usage error).
    private static KvmReadResult Read(string path, Func<Stream> openStandardInput, IKvmTraceSink sink, KvmReaderOptions options)
    {
        if (path == "-")
        {
            using var input = openStandardInput();
            return KvmTraceReader.Read(input, sink, options);
        }
        return Open(path, p =>
        {
            using var input = new FileStream(p, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            return KvmTraceReader.Read(input, sink, options);
        });
    }

    /// <summary>Exit code 2 only when nothing at all could be read: empty, binary, or text with no trace line in it.</summary>
    private static void CheckSomethingRead(string path, long bytes, bool binary, bool anythingRead, long lines)
    {
        if (bytes == 0)
            throw new CliUsageException($"{Name(path)} is empty: there is no trace to read.");
        if (binary)
            throw new CliUsageException($"{Name(path)} is binary data, not trace text (a trace.dat or perf.data file? give the text of 'trace-cmd report' or 'perf script').");
        if (!anythingRead)
            throw new CliUsageException($"{Name(path)} holds no trace: none of its {lines} line(s) is an event, a '#' header or trace-cmd metadata.");
    }

    private static T Open<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"Cannot read '{path}': {ex.Message}", ex);
        }
    }

    private static string Name(string path) => path == "-" ? "standard input" : $"'{path}'";
}
