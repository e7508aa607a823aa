using System;
using System.IO;
using System.Text.Json;

namespace HvCall.Cli.Tests;

/// <summary>The outcome of one in-process hvcall run.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The non-empty lines written to stderr.</summary>
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Parses stdout as one JSON document.</summary>
    public JsonDocument Json() => JsonDocument.Parse(Stdout);
}

/// <summary>
/// Runs hvcall in-process through <see cref="Cli.Run(string[], System.IO.TextWriter, System.IO.TextWriter)"/>, or,
/// when the environment variable <c>HVCALL_CLI</c> names an executable (the NativeAOT hvcall), as that process: the
/// same tests then check that the native tool behaves exactly as the JIT one.
/// </summary>
internal static class CliRunner
{
    private static readonly string? External = Environment.GetEnvironmentVariable("HVCALL_CLI") is { Length: > 0 } path ? path : null;

    /// <summary>The native hvcall the tests run, when HVCALL_CLI names one; null when they run in-process.</summary>
    public static string? ExternalExecutable => External;

    public static CliRun Run(params string[] args) => RunWithInput(null, args);

    /// <summary>Runs with <paramref name="stdin"/> as standard input (null: none).</summary>
    public static CliRun RunWithInput(string? stdin, params string[] args)
    {
        if (External is { } executable)
            return RunProcess(executable, args, stdin);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var input = new StringReader(stdin ?? string.Empty);
        var exitCode = Cli.Run(args, input, stdout, stderr);
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    private static CliRun RunProcess(string executable, string[] args, string? stdin)
    {
        var start = new System.Diagnostics.ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        if (stdin is not null)
            process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new CliRun(process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>Runs and asserts success with nothing on stderr.</summary>
    public static CliRun Ok(params string[] args)
    {
        var run = Run(args);
        Xunit.Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}, stderr: {run.Stderr}");
        Xunit.Assert.Equal(string.Empty, run.Stderr);
        return run;
    }

    /// <summary>
    /// Runs and asserts a command line that names no verb, or one hvcall does not have: exit 2, the usage on stdout,
    /// exactly one stderr line (not two messages joined).
    /// </summary>
    public static CliRun RootUsageError(params string[] args)
    {
        var run = Run(args);
        Xunit.Assert.Equal(2, run.ExitCode);
        Xunit.Assert.Contains("Usage:", run.Stdout, StringComparison.Ordinal);
        Xunit.Assert.Contains("decode", run.Stdout, StringComparison.Ordinal);
        var line = Xunit.Assert.Single(run.StderrLines);
        Xunit.Assert.StartsWith("hvcall: error: ", line, StringComparison.Ordinal);
        Xunit.Assert.DoesNotContain(";", line, StringComparison.Ordinal);
        Xunit.Assert.DoesNotContain("Required command", line, StringComparison.Ordinal);
        return run;
    }

    /// <summary>Runs and asserts a usage error: exit 2, exactly one stderr line, nothing on stdout.</summary>
    public static CliRun UsageError(params string[] args)
    {
        var run = Run(args);
        Xunit.Assert.Equal(2, run.ExitCode);
        Xunit.Assert.Equal(string.Empty, run.Stdout);
        Xunit.Assert.Single(run.StderrLines);
        Xunit.Assert.StartsWith("hvcall: error: ", run.Stderr, StringComparison.Ordinal);
        Xunit.Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        return run;
    }
}
