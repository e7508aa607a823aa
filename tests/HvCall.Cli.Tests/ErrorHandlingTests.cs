using System;
using System.CommandLine;
using System.IO;
using HvCall.Cli.Infrastructure;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>The exception-to-exit-code mapping of <see cref="Cli.Run(string[], TextWriter, TextWriter)"/>.</summary>
public sealed class ErrorHandlingTests
{
    [Fact]
    public void UnexpectedException_ExitOne_OneLine_NoStackTrace()
    {
        var run = RunWith(_ => throw new InvalidOperationException("boom\nsecond line"));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        var line = Assert.Single(run.StderrLines);
        Assert.Equal("hvcall: error: unexpected InvalidOperationException: boom second line", line);
    }

    [Fact]
    public void UsageException_ExitTwo_OneLine()
    {
        var run = RunWith(_ => throw new CliUsageException("that combination is refused"));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("hvcall: error: that combination is refused", Assert.Single(run.StderrLines));
    }

    [Fact]
    public void IOException_ExitFour_OneLine_NotUnexpected()
    {
        var run = RunWith(_ => throw new IOException("Broken pipe"));
        Assert.Equal(4, run.ExitCode);
        Assert.Equal("hvcall: error: I/O error: Broken pipe", Assert.Single(run.StderrLines));
    }

    [Fact]
    public void A_verbs_own_exit_code_is_returned_unchanged()
    {
        // docs/cli.md: simulate exits 3 when VMBus did not connect. With L0 answering as KVM, the nested root's
        // INITIATE_CONTACT carries bit 31, which KVM rejects as a reserved bit (host-implementations.md: KVM's
        // reserved-bit check covers bit 31), so VMBus never connects.
        var run = CliRunner.Run("simulate", "--l0", "kvm", "--l2-guests", "0");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("NOT connected", run.Stdout, StringComparison.Ordinal);
    }

    private static CliRun RunWith(Func<ParseResult, int> action)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Func<CliContext, Command> verb = _ =>
        {
            var command = new Command("explode");
            command.SetAction(action);
            return command;
        };
        var exitCode = Cli.Run(["explode"], stdout, stderr, [verb]);
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }
}
