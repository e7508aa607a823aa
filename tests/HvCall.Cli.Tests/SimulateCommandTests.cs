using System.Linq;
using System.Text.Json;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary><c>hvcall simulate</c>: VMBus bring-up on a simulated machine, text and JSON.</summary>
public sealed class SimulateCommandTests
{
    private const ulong Version52 = 0x0005_0002; // 327682

    [Fact]
    public void Default_IsNested_AndConnects()
    {
        var text = CliRunner.Ok("simulate").Stdout;
        Assert.Contains("connected, version 5.2", text);
        Assert.Contains("nested", text);
        Assert.DoesNotContain("NOT connected", text);
        Assert.Contains("0x005C HvCallPostMessage", text);
        Assert.Contains("0x005D HvCallSignalEvent", text);
    }

    [Fact]
    public void Json_DefaultNested()
    {
        using var json = CliRunner.Ok("simulate", "--json").Json();
        var root = json.RootElement;
        JsonAssert.String(root, "topology", "nested");
        JsonAssert.String(root, "architecture", "x64");
        JsonAssert.String(root, "routing", "auto");
        JsonAssert.Bool(root, "nestedRouting", true);
        JsonAssert.Bool(root, "vmbusConnected", true);
        JsonAssert.Number(root, "vmbusVersion", Version52);
        JsonAssert.Number(root, "vmbusVersion", 327682);
        JsonAssert.String(root, "vmbusVersionName", "5.2");
        JsonAssert.Number(root, "offers", 3);
        JsonAssert.Number(root, "failures", 0);
        JsonAssert.Number(root, "signalsSent", 3);
        JsonAssert.Number(root, "eventsReceived", 3);
        Assert.Empty(root.GetProperty("errors").EnumerateArray());

        var channels = root.GetProperty("channels").EnumerateArray().ToArray();
        Assert.Equal([1u, 2u, 3u], channels.Select(c => c.GetProperty("relid").GetUInt32()).ToArray());
        Assert.Equal([0x2001u, 0x2002u, 0x2003u], channels.Select(c => c.GetProperty("connectionId").GetUInt32()).ToArray());
        Assert.Equal(["f8615163-df3e-46c5-913f-f2d2f965ed0e", "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", "57164f39-9115-4e78-ab55-382f3bd5422d"],
            channels.Select(c => c.GetProperty("interfaceType").GetString()!).ToArray());

        var calls = root.GetProperty("hypercalls").EnumerateArray().ToArray();
        Assert.Equal(6, calls.Length);
        foreach (var call in calls)
        {
            Assert.Equal(JsonValueKind.Number, call.GetProperty("vp").ValueKind);
            Assert.Equal(JsonValueKind.Number, call.GetProperty("code").ValueKind);
            Assert.Equal(JsonValueKind.Number, call.GetProperty("status").ValueKind);
            JsonAssert.String(call, "handledBy", "L0");
            JsonAssert.Bool(call, "nested", true);
            JsonAssert.Number(call, "status", 0);
            Assert.Contains(call.GetProperty("code").GetInt32(), new[] { 0x5C, 0x5D });
            Assert.NotEqual(0UL, call.GetProperty("control").GetUInt64() & (1UL << 31));
        }
        Assert.Equal([0x5C, 0x5C, 0x5C, 0x5D, 0x5D, 0x5D], calls.Select(c => c.GetProperty("code").GetInt32()).ToArray());
    }

    [Theory]
    [InlineData("x64")]
    [InlineData("arm64")]
    public void Json_Flat_NoNestedBitAnywhere(string arch)
    {
        using var json = CliRunner.Ok("simulate", "--topology", "flat", "--arch", arch, "--json").Json();
        var root = json.RootElement;
        JsonAssert.String(root, "topology", "flat");
        JsonAssert.String(root, "architecture", arch);
        JsonAssert.Bool(root, "nestedRouting", false);
        JsonAssert.Bool(root, "vmbusConnected", true);
        JsonAssert.Number(root, "vmbusVersion", Version52);
        var calls = root.GetProperty("hypercalls").EnumerateArray().ToArray();
        Assert.NotEmpty(calls);
        Assert.All(calls, call =>
        {
            JsonAssert.Bool(call, "nested", false);
            JsonAssert.String(call, "handledBy", "L0");
            Assert.Equal(0UL, call.GetProperty("control").GetUInt64() & (1UL << 31));
        });
    }

    [Fact]
    public void RoutingNone_Nested_FailsWithExit3()
    {
        var run = CliRunner.Run("simulate", "--routing", "none", "--json");
        Assert.Equal(3, run.ExitCode);
        Assert.Equal(string.Empty, run.Stderr);
        using var json = run.Json();
        var root = json.RootElement;
        JsonAssert.String(root, "routing", "none");
        JsonAssert.Bool(root, "nestedRouting", false);
        JsonAssert.Bool(root, "vmbusConnected", false);
        JsonAssert.Number(root, "vmbusVersion", 0);
        JsonAssert.Number(root, "offers", 0);
        JsonAssert.Number(root, "failures", 8);
        var calls = root.GetProperty("hypercalls").EnumerateArray().ToArray();
        Assert.Equal(8, calls.Length);
        Assert.All(calls, call =>
        {
            JsonAssert.String(call, "handledBy", "L1");
            JsonAssert.Number(call, "status", 18);
            JsonAssert.Number(call, "code", 0x5C);
            JsonAssert.Bool(call, "nested", false);
        });
        Assert.NotEmpty(root.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public void RoutingNone_Text_SaysNotConnected()
    {
        var run = CliRunner.Run("simulate", "--routing", "none");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("NOT connected", run.Stdout);
        Assert.Contains("HV_STATUS_INVALID_CONNECTION_ID", run.Stdout);
    }

    [Fact]
    public void RoutingNone_Flat_StillConnects()
    {
        using var json = CliRunner.Ok("simulate", "--topology", "flat", "--routing", "none", "--json").Json();
        JsonAssert.Bool(json.RootElement, "vmbusConnected", true);
        JsonAssert.Number(json.RootElement, "failures", 0);
    }

    [Theory]
    [InlineData("--arch", "arm64", "--topology", "nested")]
    [InlineData("--vps", "0")]
    [InlineData("--vps", "65")]
    [InlineData("--seed", "zz")]
    [InlineData("--routing", "maybe")]
    [InlineData("--topology", "deep")]
    public void BadOptions_AreUsageErrors(params string[] options)
    {
        CliRunner.UsageError(["simulate", .. options]);
    }

    [Fact]
    public void Arm64Nested_NamesTheReason()
    {
        var run = CliRunner.UsageError("simulate", "--arch", "arm64", "--topology", "nested");
        Assert.Contains("ARM64", run.Stderr);
    }

    [Fact]
    public void SameSeed_SameOutput()
    {
        var first = CliRunner.Ok("simulate", "--seed", "7", "--vps", "3", "--json").Stdout;
        var second = CliRunner.Ok("simulate", "--seed", "7", "--vps", "3", "--json").Stdout;
        Assert.Equal(first, second);
        using var json = JsonDocument.Parse(first);
        JsonAssert.Number(json.RootElement, "seed", 7);
        JsonAssert.Number(json.RootElement, "vps", 3);
        JsonAssert.Bool(json.RootElement, "vmbusConnected", true);
    }

    [Fact]
    public void HexSeed_IsAccepted()
    {
        using var json = CliRunner.Ok("simulate", "--seed", "0x10", "--json").Json();
        JsonAssert.Number(json.RootElement, "seed", 16);
    }

    [Fact]
    public void MultiVp_SignalsComeFromSeveralVps()
    {
        using var json = CliRunner.Ok("simulate", "--vps", "4", "--json").Json();
        var signals = json.RootElement.GetProperty("hypercalls").EnumerateArray()
            .Where(c => c.GetProperty("code").GetInt32() == 0x5D)
            .Select(c => c.GetProperty("vp").GetUInt32()).Order().ToArray();
        Assert.Equal([1u, 2u, 3u], signals);
    }
}
