using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using HvCall.Cli.Commands;
using HvCall.Cli.Infrastructure;

namespace HvCall.Cli;

/// <summary>
/// The <c>hvcall</c> command line, runnable in-process: builds the root command from the verbs,
/// parses, reports parse errors as one line, runs the verb and maps exceptions to exit codes.
/// </summary>
internal static class Cli
{
    /// <summary>
    /// The verbs, one factory per file under <c>Commands/</c>. To add a verb, add its file and one line here.
    /// </summary>
    private static readonly IReadOnlyList<Func<CliContext, Command>> Verbs =
    [
        DecodeCommand.Create,
        CodesCommand.Create,
        RoutesCommand.Create,
        SimulateCommand.Create,
        CallCommand.Create,
        ConformanceCommand.Create,
        TraceCommand.Create,
    ];

    /// <summary>Runs hvcall with <paramref name="args"/>.</summary>
    /// <param name="args">The command-line arguments, without the program name.</param>
    /// <param name="stdout">Receives the result (text or JSON), help and version.</param>
    /// <param name="stderr">Receives exactly one line on failure.</param>
    /// <returns>An exit code from <see cref="ExitCodes"/>.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Verbs);

    /// <summary>Runs hvcall with a given set of verbs (tests use this to reach the error paths).</summary>
    /// <param name="args">The command-line arguments, without the program name.</param>
    /// <param name="stdout">Receives the result (text or JSON), help and version.</param>
    /// <param name="stderr">Receives exactly one line on failure.</param>
    /// <param name="verbs">The verb factories.</param>
    /// <returns>An exit code from <see cref="ExitCodes"/>.</returns>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyList<Func<CliContext, Command>> verbs)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(verbs);
        try
        {
            var root = BuildRoot(new CliContext(stdout, stderr), verbs);
            var parseResult = root.Parse(args);
            if (parseResult.Errors.Count > 0 && parseResult.Action?.ClearsParseErrors != true)
                return Fail(stderr, ExitCodes.Usage, string.Join("; ", parseResult.Errors.Select(static e => e.Message)) + UsageHint(parseResult));

            var configuration = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            };
            return parseResult.Invoke(configuration);
        }
        catch (CliUsageException ex)
        {
            return Fail(stderr, ExitCodes.Usage, ex.Message);
        }
        catch (Exception ex)
        {
            return Fail(stderr, ExitCodes.Failure, $"unexpected {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Builds the root command with every verb wired to <paramref name="context"/>.</summary>
    /// <param name="context">The streams the verbs write to.</param>
    /// <param name="verbs">The verb factories.</param>
    internal static RootCommand BuildRoot(CliContext context, IReadOnlyList<Func<CliContext, Command>> verbs)
    {
        var root = new RootCommand("hvcall: decode Hyper-V hypercall words, list the catalog and the nested routing tables, and run simulated flat and nested Hyper-V machines.");
        foreach (var verb in verbs)
            root.Add(verb(context));
        return root;
    }

    /// <summary>Appended to parse errors, on the same line: where to find the usage of the verb that failed.</summary>
    private static string UsageHint(ParseResult parseResult)
    {
        var command = parseResult.CommandResult.Command;
        return command is RootCommand ? " (see 'hvcall --help')" : $" (see 'hvcall {command.Name} --help')";
    }

    private static int Fail(TextWriter stderr, int exitCode, string message)
    {
        var oneLine = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        stderr.WriteLine($"hvcall: error: {oneLine}");
        return exitCode;
    }
}
