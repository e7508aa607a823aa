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
    public void NoVerb_IsUsageError()
    {
        CliRunner.UsageError();
    }

    [Fact]
    public void UnknownVerb_IsUsageError()
    {
        var run = CliRunner.UsageError("frobnicate");
        Assert.Contains("frobnicate", run.Stderr);
    }

    [Fact]
    public void UnknownRootOption_IsUsageError()
    {
        CliRunner.UsageError("--bogus");
    }
}
