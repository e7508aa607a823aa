using System;
using System.Linq;
using Xunit;

namespace HvCall.Cli.Tests;

public sealed class RoutesCommandTests
{
    [Theory]
    [InlineData("x64")]
    [InlineData("arm64")]
    public void Flat_AllZero(string arch)
    {
        using var json = CliRunner.Ok("routes", "--arch", arch, "--json").Json();
        var root = json.RootElement;
        JsonAssert.String(root, "architecture", arch);
        JsonAssert.Bool(root, "nestedRoot", false);
        JsonAssert.Number(root, "sizeBytes", 64);
        var bytes = Convert.FromHexString(root.GetProperty("bytes").GetString()!);
        Assert.Equal(64, bytes.Length);
        Assert.All(bytes, b => Assert.Equal(0, b));
        Assert.Empty(root.GetProperty("codes").EnumerateArray());
        Assert.Empty(root.GetProperty("synicMsrRedirects").EnumerateArray());
    }

    [Fact]
    public void DefaultArchitecture_IsX64()
    {
        using var json = CliRunner.Ok("routes", "--json").Json();
        JsonAssert.String(json.RootElement, "architecture", "x64");
    }

    [Fact]
    public void NestedRoot_Byte11Is0x30()
    {
        using var json = CliRunner.Ok("routes", "--nested-root", "--json").Json();
        var root = json.RootElement;
        JsonAssert.Bool(root, "nestedRoot", true);
        var bytes = Convert.FromHexString(root.GetProperty("bytes").GetString()!);
        Assert.Equal(64, bytes.Length);
        Assert.Equal(0x30, bytes[11]);
        Assert.Equal(0x30, bytes.Sum(b => b));
        Assert.Equal([92, 93], root.GetProperty("codes").EnumerateArray().Select(e => e.GetInt32()).ToArray());
    }

    [Fact]
    public void NestedRoot_SynicMsrRedirects()
    {
        using var json = CliRunner.Ok("routes", "--nested-root", "--json").Json();
        var redirects = json.RootElement.GetProperty("synicMsrRedirects").EnumerateArray()
            .ToDictionary(e => e.GetProperty("msr").GetUInt32(), e => e.GetProperty("routedTo").GetUInt32());
        Assert.Equal(21, redirects.Count); // SCONTROL, SVERSION, SIEFP, SIMP, EOM, SINT0-15
        Assert.Equal(0x40001080u, redirects[0x40000080]);
        Assert.Equal(0x4000109Fu, redirects[0x4000009F]);
        Assert.DoesNotContain(0x40000085u, redirects.Keys); // SIRBP
        Assert.DoesNotContain(0x400000B0u, redirects.Keys); // STIMER0_CONFIG
    }

    [Fact]
    public void NestedRoot_Text()
    {
        var text = CliRunner.Ok("routes", "--nested-root").Stdout;
        Assert.Matches(@"(?m)^table size\s+64 bytes", text);
        Assert.Contains("  0x00  00 00 00 00 00 00 00 00 00 00 00 30 00 00 00 00", text);
        Assert.Equal(4, text.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^  0x[0-3]0  ")));
        Assert.Contains("  0x005C  HvCallPostMessage", text);
        Assert.Contains("  0x005D  HvCallSignalEvent", text);
        Assert.Contains("  0x40000080 -> 0x40001080  SCONTROL", text);
        Assert.Contains("  0x4000009F -> 0x4000109F  SINT15", text);
    }

    [Fact]
    public void Flat_Text()
    {
        var text = CliRunner.Ok("routes").Stdout;
        Assert.Contains("nested codes: none", text);
        Assert.Contains("SynIC MSR redirects: none", text);
    }

    [Fact]
    public void Arm64NestedRoot_Refused()
    {
        var run = CliRunner.UsageError("routes", "--arch", "arm64", "--nested-root");
        Assert.Contains("ARM64", run.Stderr);
        CliRunner.UsageError("routes", "--nested-root", "--arch", "ARM64", "--json");
    }

    [Theory]
    [InlineData("mips")]
    [InlineData("")]
    public void UnknownArchitecture_Refused(string arch)
    {
        CliRunner.UsageError("routes", "--arch", arch);
    }

    [Fact]
    public void ArchWithoutValue_Refused()
    {
        CliRunner.UsageError("routes", "--arch");
    }
}
