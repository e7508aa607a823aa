using System.Linq;
using Xunit;

namespace HvCall.Cli.Tests;

public sealed class DecodeResultTests
{
    [Fact]
    public void InsufficientBuffers_Json()
    {
        using var json = CliRunner.Ok("decode", "--result", "0x300000013", "--json").Json();
        var root = json.RootElement;
        JsonAssert.Number(root, "status", 0x13);
        JsonAssert.String(root, "statusName", "HV_STATUS_INSUFFICIENT_BUFFERS");
        JsonAssert.Number(root, "repsCompleted", 3);
        Assert.Equal(["status", "statusName", "repsCompleted", "reservedBitsValue"], root.EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void InsufficientBuffers_Text()
    {
        var run = CliRunner.Ok("decode", "--result", "0x300000013");
        Assert.Matches(@"(?m)^status\s+0x0013  HV_STATUS_INSUFFICIENT_BUFFERS$", run.Stdout);
        Assert.Matches(@"(?m)^reps completed\s+3$", run.Stdout);
    }

    [Fact]
    public void OptionAfterValue_Works()
    {
        using var json = CliRunner.Ok("decode", "0x300000013", "--json", "--result").Json();
        JsonAssert.Number(json.RootElement, "status", 0x13);
    }

    [Fact]
    public void Success()
    {
        using var json = CliRunner.Ok("decode", "--result", "0", "--json").Json();
        JsonAssert.Number(json.RootElement, "status", 0);
        JsonAssert.String(json.RootElement, "statusName", "HV_STATUS_SUCCESS");
        JsonAssert.Number(json.RootElement, "repsCompleted", 0);
    }

    [Fact]
    public void UndefinedStatus_HexSpelling()
    {
        using var json = CliRunner.Ok("decode", "--result", "0xAB", "--json").Json();
        JsonAssert.String(json.RootElement, "statusName", "0x00AB");
        Assert.Contains("not a TLFS status", CliRunner.Ok("decode", "--result", "0xAB").Stdout);
    }

    [Fact]
    public void ReservedResultBits_ShownInText()
    {
        var run = CliRunner.Ok("decode", "--result", "0x0000_1000_0001_0000");
        Assert.Matches(@"(?m)^reserved bits\s+0x0000100000010000  \(reserved", run.Stdout);
    }
}
