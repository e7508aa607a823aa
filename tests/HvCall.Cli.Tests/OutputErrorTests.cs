using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>Output that cannot be written (a full disk, a closed pipe) is one line and exit 4, never "unexpected".</summary>
public sealed class OutputErrorTests
{
    private sealed class FullDiskWriter : StringWriter
    {
        public override void Write(char value) => throw new IOException("No space left on device");
        public override void Write(string? value) => throw new IOException("No space left on device");
        public override void Write(char[] buffer, int index, int count) => throw new IOException("No space left on device");
        public override void WriteLine(string? value) => throw new IOException("No space left on device");
    }

    [Theory]
    [InlineData("codes")]
    [InlineData("decode", "0x5C", "--json")]
    [InlineData("status", "0x12")]
    public void WriteFailure_InProcess_OneLine_Exit4(params string[] args)
    {
        using var stderr = new StringWriter();
        var exitCode = Cli.Run(args, TextReader.Null, new FullDiskWriter(), stderr);
        Assert.Equal(4, exitCode);
        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("hvcall: error: I/O error: No space left on device", line.TrimEnd());
    }

    [Fact]
    public void DevFull_OneLine_Exit4()
    {
        if (!File.Exists("/dev/full") || !File.Exists("/bin/bash"))
            return;
        var (exitCode, stderr) = RunShell("exec \"$@\" > /dev/full", "codes");
        Assert.Equal(4, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("hvcall: error: I/O error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ClosedPipe_NoUnexpectedError()
    {
        if (!File.Exists("/bin/bash"))
            return;
        // `hvcall codes | head -1`: the reader goes away after one line. .NET's console stream drops a write to a
        // closed pipe (EPIPE) without an exception, so hvcall ends quietly with 0; a stream that does report it gives
        // the one-line I/O error and 4. Never the "unexpected" of a bug.
        var (exitCode, stderr) = RunShell("\"$@\" | head -1 > /dev/null; exit ${PIPESTATUS[0]}", "simulate", "--calls");
        Assert.True(exitCode is 0 or 4, $"exit {exitCode}, stderr: {stderr}");
        Assert.DoesNotContain("unexpected", stderr, StringComparison.Ordinal);
        Assert.True(stderr.Length == 0 || stderr.StartsWith("hvcall: error: I/O error: ", StringComparison.Ordinal), stderr);
    }

    // Runs hvcall (the native one of HVCALL_CLI, else the built hvcall.dll) under bash with the script's redirections.
    private static (int ExitCode, string Stderr) RunShell(string script, params string[] args)
    {
        var start = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("hvcall");
        if (CliRunner.ExternalExecutable is { } native)
        {
            start.ArgumentList.Add(native);
        }
        else
        {
            start.ArgumentList.Add(EntryPointTests.DotnetHost());
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hvcall.dll"));
        }
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill();
            Assert.Fail("hvcall did not exit within 120 s.");
        }
        _ = stdout.Result;
        return (process.ExitCode, stderr.Result);
    }
}
