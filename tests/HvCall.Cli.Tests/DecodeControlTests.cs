using System.Linq;
using Xunit;

namespace HvCall.Cli.Tests;

public sealed class DecodeControlTests
{
    [Fact]
    public void NestedPostMessage_Json()
    {
        using var json = CliRunner.Ok("decode", "0x8000005C", "--json").Json();
        var root = json.RootElement;
        JsonAssert.Number(root, "code", 92);
        JsonAssert.String(root, "name", "HvCallPostMessage");
        JsonAssert.Bool(root, "nested", true);
        JsonAssert.Bool(root, "fast", false);
        JsonAssert.Number(root, "variableHeaderSize", 0);
        JsonAssert.Number(root, "repCount", 0);
        JsonAssert.Number(root, "repStart", 0);
        JsonAssert.Bool(root, "reservedBits", false);
    }

    [Fact]
    public void ControlJson_HasExactlyTheDocumentedFields()
    {
        using var json = CliRunner.Ok("decode", "0x5C", "--json").Json();
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["code", "name", "fast", "variableHeaderSize", "nested", "repCount", "repStart", "reservedBits", "reservedBitsValue"], names);
    }

    [Fact]
    public void NestedPostMessage_Text()
    {
        var run = CliRunner.Ok("decode", "0x8000005C");
        Assert.Contains("0x005C  HvCallPostMessage", run.Stdout);
        Assert.Matches(@"(?m)^nested\s+yes$", run.Stdout);
        Assert.Matches(@"(?m)^fast\s+no$", run.Stdout);
        Assert.Matches(@"(?m)^reserved bits\s+0x0000000000000000$", run.Stdout);
    }

    [Fact]
    public void FastSignalEvent()
    {
        using var json = CliRunner.Ok("decode", "0x1005D", "--json").Json();
        JsonAssert.Number(json.RootElement, "code", 93);
        JsonAssert.String(json.RootElement, "name", "HvCallSignalEvent");
        JsonAssert.Bool(json.RootElement, "fast", true);
        JsonAssert.Bool(json.RootElement, "nested", false);
    }

    [Fact]
    public void RepWord_RepCountAndStart()
    {
        // HvCallGetVpRegisters (0x50), rep count 3, rep start 1, variable header 2.
        using var json = CliRunner.Ok("decode", "0x0001_0003_0004_0050", "--json").Json();
        JsonAssert.Number(json.RootElement, "code", 0x50);
        JsonAssert.String(json.RootElement, "name", "HvCallGetVpRegisters");
        JsonAssert.Number(json.RootElement, "repCount", 3);
        JsonAssert.Number(json.RootElement, "repStart", 1);
        JsonAssert.Number(json.RootElement, "variableHeaderSize", 2);
        JsonAssert.Bool(json.RootElement, "reservedBits", false);

        var text = CliRunner.Ok("decode", "0x0001000300040050").Stdout;
        Assert.Matches(@"(?m)^rep count\s+3$", text);
        Assert.Matches(@"(?m)^rep start\s+1$", text);
        Assert.Matches(@"(?m)^variable header size\s+2 \(16 bytes\)$", text);
    }

    [Theory]
    [InlineData("0x0800005C")]          // bit 27
    [InlineData("0x0000_1000_0000_005C")] // bit 44
    [InlineData("0x8000_0000_0000_005C")] // bit 63
    public void ReservedBits_Flagged(string word)
    {
        using var json = CliRunner.Ok("decode", word, "--json").Json();
        JsonAssert.Bool(json.RootElement, "reservedBits", true);
        Assert.Contains("must be zero", CliRunner.Ok("decode", word).Stdout);
    }

    [Fact]
    public void DecimalInput_SameAsHex()
    {
        Assert.Equal(CliRunner.Ok("decode", "0x8000005C", "--json").Stdout, CliRunner.Ok("decode", "2147483740", "--json").Stdout);
    }

    [Theory]
    [InlineData("0XffffFFFFffffFFFF")]
    [InlineData("18446744073709551615")]
    public void FullRange(string word)
    {
        var run = CliRunner.Ok("decode", word);
        Assert.Contains("0xFFFFFFFFFFFFFFFF", run.Stdout);
        Assert.Matches(@"(?m)^rep count\s+4095$", run.Stdout);
    }

    [Fact]
    public void UnknownCode_NameIsHexSpelling()
    {
        using var json = CliRunner.Ok("decode", "0x1234", "--json").Json();
        JsonAssert.Number(json.RootElement, "code", 0x1234);
        JsonAssert.String(json.RootElement, "name", "0x1234");
        Assert.Contains("not in the catalog", CliRunner.Ok("decode", "0x1234").Stdout);
    }

    [Fact]
    public void ExtendedCode_Named()
    {
        using var json = CliRunner.Ok("decode", "0x8001", "--json").Json();
        JsonAssert.String(json.RootElement, "name", "HvExtCallQueryCapabilities");
    }
}
