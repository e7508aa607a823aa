using Xunit;

namespace HvCall.Cli.Tests;

public sealed class DecodeErrorTests
{
    [Theory]
    [InlineData("zz")]
    [InlineData("0x")]
    [InlineData("0xG1")]
    [InlineData("18446744073709551616")]
    [InlineData("0x1_0000_0000_0000_0000")]
    [InlineData("1__0")]
    [InlineData("_1")]
    [InlineData("0x5C_")]
    [InlineData("+5")]
    [InlineData("5.0")]
    public void BadNumber(string value)
    {
        var run = CliRunner.UsageError("decode", value);
        Assert.Contains($"'{value}'", run.Stderr);
    }

    [Fact]
    public void BadNumber_WithResultAndJson()
    {
        CliRunner.UsageError("decode", "--result", "--json", "zz");
    }

    [Fact]
    public void Overflow_ExplainsRange()
    {
        var run = CliRunner.UsageError("decode", "18446744073709551616");
        Assert.Contains("out of range", run.Stderr);
    }

    [Fact]
    public void MissingArgument()
    {
        var run = CliRunner.UsageError("decode");
        Assert.Contains("value", run.Stderr);
    }

    [Fact]
    public void UnknownFlag()
    {
        var run = CliRunner.UsageError("decode", "0x5C", "--bogus");
        Assert.Contains("--bogus", run.Stderr);
    }

    [Fact]
    public void ExtraArgument()
    {
        CliRunner.UsageError("decode", "0x5C", "0x5D");
    }

    [Fact]
    public void NegativeNumber()
    {
        CliRunner.UsageError("decode", "-1");
    }
}
