using Xunit;

namespace HvCall.Cli.Tests;

public sealed class RootCommandTests
{
    [Fact]
    public void Help_ListsVerbs()
    {
        var run = CliRunner.Ok("--help");
        Assert.Contains("decode", run.Stdout);
        Assert.Contains("codes", run.Stdout);
        Assert.Contains("routes", run.Stdout);
    }

    [Theory]
    [InlineData("decode")]
    [InlineData("codes")]
    [InlineData("routes")]
    public void VerbHelp(string verb)
    {
        var run = CliRunner.Ok(verb, "--help");
        Assert.Contains("--json", run.Stdout);
    }

    [Fact]
    public void Version()
    {
        var run = CliRunner.Ok("--version");
        Assert.Matches(@"^\d+\.\d+\.\d+", run.Stdout);
    }

    [Fact]
    public void NoVerb_PrintsUsage_OneLine()
    {
        var run = CliRunner.RootUsageError();
        Assert.Contains("no verb given", run.Stderr);
        Assert.Contains("status", run.Stderr);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("HELP")]
    public void Help_AsAVerb_PrintsUsage_OneLine(string verb)
    {
        var run = CliRunner.RootUsageError(verb);
        Assert.Contains("'hvcall --help'", run.Stderr);
    }

    [Fact]
    public void UnknownVerb_PrintsUsage_OneLine()
    {
        var run = CliRunner.RootUsageError("frobnicate");
        Assert.Contains("unknown verb 'frobnicate'", run.Stderr);
    }

    [Fact]
    public void UnknownVerb_WithArguments_PrintsUsage_OneLine()
    {
        var run = CliRunner.RootUsageError("frobnicate", "0x5C", "--json");
        Assert.Contains("unknown verb 'frobnicate'", run.Stderr);
    }

    [Fact]
    public void UnknownRootOption_PrintsUsage_OneLine()
    {
        var run = CliRunner.RootUsageError("--bogus");
        Assert.Contains("unknown option '--bogus'", run.Stderr);
    }

    [Fact]
    public void Help_ListsTheStatusVerb()
    {
        Assert.Matches(@"(?m)^\s+status\s", CliRunner.Ok("--help").Stdout);
    }
}
