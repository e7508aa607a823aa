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
    internal static readonly IReadOnlyList<Func<CliContext, Command>> Verbs =
    [
        DecodeCommand.Create,
        CodesCommand.Create,
        StatusCommand.Create,
        RoutesCommand.Create,
        SimulateCommand.Create,
        CallCommand.Create,
        ConformanceCommand.Create,
        TraceCommand.Create,
    ];

    /// <summary>Runs hvcall with <paramref name="args"/> and no standard input.</summary>
    /// <param name="args">The command-line arguments, without the program name.</param>
    /// <param name="stdout">Receives the result (text or JSON), help and version.</param>
    /// <param name="stderr">Receives exactly one line on failure.</param>
    /// <returns>An exit code from <see cref="ExitCodes"/>.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, TextReader.Null, stdout, stderr, Verbs);

    /// <summary>Runs hvcall with <paramref name="args"/>, reading standard input from <paramref name="stdin"/> (<c>decode -</c>).</summary>
    /// <param name="args">The command-line arguments, without the program name.</param>
    /// <param name="stdin">Standard input.</param>
    /// <param name="stdout">Receives the result (text or JSON), help and version.</param>
    /// <param name="stderr">Receives exactly one line on failure.</param>
    /// <returns>An exit code from <see cref="ExitCodes"/>.</returns>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr) => Run(args, stdin, stdout, stderr, Verbs);

    /// <summary>Runs hvcall with a given set of verbs (tests use this to reach the error paths).</summary>
    /// <param name="args">The command-line arguments, without the program name.</param>
    /// <param name="stdout">Receives the result (text or JSON), help and version.</param>
    /// <param name="stderr">Receives exactly one line on failure.</param>
    /// <param name="verbs">The verb factories.</param>
    /// <returns>An exit code from <see cref="ExitCodes"/>.</returns>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyList<Func<CliContext, Command>> verbs) =>
        Run(args, TextReader.Null, stdout, stderr, verbs);

    /// <summary>Runs hvcall with a given set of verbs and standard input.</summary>
    /// <param name="args">The command-line arguments, without the program name.</param>
    /// <param name="stdin">Standard input.</param>
    /// <param name="stdout">Receives the result (text or JSON), help and version.</param>
    /// <param name="stderr">Receives exactly one line on failure.</param>
    /// <param name="verbs">The verb factories.</param>
    /// <returns>An exit code from <see cref="ExitCodes"/>.</returns>
    internal static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, IReadOnlyList<Func<CliContext, Command>> verbs)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(verbs);
        try
        {
            var root = BuildRoot(new CliContext(stdout, stderr) { In = stdin }, verbs);
            var parseResult = root.Parse(args);
            var configuration = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            };
            if (parseResult.Errors.Count > 0 && parseResult.Action?.ClearsParseErrors != true)
            {
                if (parseResult.CommandResult.Command is not RootCommand)
                    return Fail(stderr, ExitCodes.Usage, string.Join("; ", parseResult.Errors.Select(static e => e.Message)) + UsageHint(parseResult));
                // No verb, "help", an unknown verb or option: the usage on stdout, one line on stderr.
                root.Parse(["--help"]).Invoke(configuration);
                return Fail(stderr, ExitCodes.Usage, RootProblem(args, root));
            }
            return parseResult.Invoke(configuration);
        }
        catch (CliUsageException ex)
        {
            return Fail(stderr, ExitCodes.Usage, ex.Message);
        }
        catch (IOException ex)
        {
            // A full disk, /dev/full, a closed pipe (where the stream reports one): not a bug, and nothing more to print.
            return Fail(stderr, ExitCodes.InputOutput, $"I/O error: {ex.Message}");
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

    /// <summary>The one line for a command line that names no verb, or a verb or option hvcall does not have.</summary>
    private static string RootProblem(string[] args, RootCommand root)
    {
        var verbs = CommonOptions.OneOf(root.Subcommands.Select(static c => c.Name).ToArray());
        if (args.Length == 0)
            return $"no verb given: use {verbs} ('hvcall VERB --help' describes one).";
        var first = args[0];
        if (string.Equals(first, "help", StringComparison.OrdinalIgnoreCase))
            return "'help' is not a verb: use 'hvcall --help', or 'hvcall VERB --help' for one verb.";
        if (first.StartsWith('-'))
            return $"unknown option '{first}': start with a verb ({verbs}), or use --help or --version.";
        return $"unknown verb '{first}': use {verbs}.";
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
        try
        {
            stderr.WriteLine($"hvcall: error: {oneLine}");
        }
        catch (IOException)
        {
            // stderr is gone too: the exit code is all that is left to say.
        }
        return exitCode;
    }
}
