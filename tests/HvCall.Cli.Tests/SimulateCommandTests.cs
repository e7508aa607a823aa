using System.Linq;
using System.Text.Json;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary><c>hvcall simulate</c>: VMBus bring-up on a simulated machine, text and JSON.</summary>
public sealed class SimulateCommandTests
{
    private const ulong Version52 = 0x0005_0002; // 327682

    // vmbus.md §5 and vmbus-datapath.md §6 (device GUIDs); the echo device's GUID is HvCall's own (docs/machine-model.md).
    private static readonly string[] OfferedTypes =
    [
        "f8615163-df3e-46c5-913f-f2d2f965ed0e", "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", "57164f39-9115-4e78-ab55-382f3bd5422d",
        "0e0b6031-5213-4934-818b-38d90ced39db", "e5c0be7a-4876-4361-8a6c-6c6563686f00",
    ];

    [Fact]
    public void Default_IsNested_OpensChannels_AndUnloads()
    {
        var text = CliRunner.Ok("simulate").Stdout;
        Assert.Contains("connected, version 5.2; unloaded: yes", text);
        Assert.Contains("nested", text);
        Assert.DoesNotContain("NOT connected", text);
        Assert.Contains("0x005C HvCallPostMessage", text);
        Assert.Contains("0x005D HvCallSignalEvent", text);
        Assert.Contains("heartbeat     3 of 3 rounds", text);
        Assert.Contains("negotiated version 3.2", text);
        Assert.Contains("1000 of 1000 packets of 64 bytes echoed intact", text);
        Assert.Contains("offered only", text);
        Assert.Contains("--calls lists every one", text);
    }

    [Fact]
    public void Text_CondensesCalls_UnlessAskedForEveryOne()
    {
        var summary = CliRunner.Ok("simulate", "--l2-guests", "0").Stdout;
        var every = CliRunner.Ok("simulate", "--l2-guests", "0", "--calls").Stdout;
        // Summary: one row per code/layer/flags/status; the full list: one row per call, numbered.
        Assert.Equal(1, CountLines(summary, "0x005C HvCallPostMessage"));
        Assert.True(CountLines(every, "0x005C HvCallPostMessage") > 10);
        Assert.Contains("t (us)", every);
        Assert.DoesNotContain("t (us)", summary);
    }

    private static int CountLines(string text, string fragment) => text.Split('\n').Count(line => line.Contains(fragment, System.StringComparison.Ordinal));

    [Fact]
    public void Json_DefaultNested()
    {
        // The root alone (no L2 guests): the machine of the channels issue, every call the root's VMBus client of L0.
        using var json = CliRunner.Ok("simulate", "--l2-guests", "0", "--json").Json();
        var root = json.RootElement;
        JsonAssert.String(root, "topology", "nested");
        JsonAssert.String(root, "scenario", "default");
        Assert.Empty(root.GetProperty("children").EnumerateArray());
        JsonAssert.String(root, "architecture", "x64");
        JsonAssert.String(root, "routing", "auto");
        JsonAssert.Bool(root, "nestedRouting", true);
        JsonAssert.Bool(root, "vmbusConnected", true);
        JsonAssert.Number(root, "vmbusVersion", Version52);
        JsonAssert.Number(root, "vmbusVersion", 327682);
        JsonAssert.String(root, "vmbusVersionName", "5.2");
        JsonAssert.Number(root, "offers", 5);
        JsonAssert.Number(root, "failures", 0);
        JsonAssert.Number(root, "heartbeats", 3);
        JsonAssert.String(root, "shutdownVersion", "3.2");
        JsonAssert.Bool(root, "unloaded", true);
        Assert.Empty(root.GetProperty("errors").EnumerateArray());

        var channels = root.GetProperty("channels").EnumerateArray().ToArray();
        Assert.Equal([1u, 2u, 3u, 4u, 5u], channels.Select(c => c.GetProperty("relId").GetUInt32()).ToArray());
        Assert.Equal([0x2001u, 0x2002u, 0x2003u, 0x2004u, 0x2005u], channels.Select(c => c.GetProperty("connectionId").GetUInt32()).ToArray());
        Assert.Equal(OfferedTypes, channels.Select(c => c.GetProperty("interfaceType").GetString()!).ToArray());
        Assert.Equal(["network", "storage", "heartbeat", "shutdown", "echo"], channels.Select(c => c.GetProperty("device").GetString()!).ToArray());
        Assert.Equal([false, false, true, true, true], channels.Select(c => c.GetProperty("opened").GetBoolean()).ToArray());
        // Linux's first GPADL handle is 0xE1E10 (vmbus-datapath.md §2); unopened channels report 0.
        var handles = channels.Skip(2).Select(c => c.GetProperty("gpadl").GetUInt32()).Order().ToArray();
        Assert.Equal([0xE1E10u, 0xE1E11u, 0xE1E12u], handles);
        Assert.All(channels.Take(2), c => JsonAssert.Number(c, "gpadl", 0));

        var echo = channels[4];
        JsonAssert.Number(echo, "packetsSent", 1000);
        JsonAssert.Number(echo, "packetsReceived", 1000);
        Assert.InRange(echo.GetProperty("signalsSent").GetInt64(), 1, 20);
        Assert.True(echo.GetProperty("interruptsReceived").GetInt64() >= 1);
        // Heartbeat: NEGOTIATE + 3 rounds, each answered in place.
        JsonAssert.Number(channels[2], "packetsReceived", 4);
        JsonAssert.Number(channels[2], "packetsSent", 4);

        var calls = root.GetProperty("hypercalls").EnumerateArray().ToArray();
        JsonAssert.Number(root, "signalsSent", (ulong)calls.Count(c => c.GetProperty("code").GetInt32() == 0x5D));
        foreach (var call in calls)
        {
            Assert.Equal(JsonValueKind.Number, call.GetProperty("vp").ValueKind);
            JsonAssert.String(call, "partition", "root");
            JsonAssert.String(call, "handledBy", "L0");
            JsonAssert.Bool(call, "nested", true);
            JsonAssert.Number(call, "status", 0);
            Assert.Contains(call.GetProperty("code").GetInt32(), new[] { 0x5C, 0x5D });
            Assert.NotEqual(0UL, call.GetProperty("control").GetUInt64() & (1UL << 31));
        }
    }

    [Fact]
    public void Json_EchoWorkloadOptions()
    {
        using var json = CliRunner.Ok("simulate", "--topology", "flat", "--packets", "0x100", "--packet-size", "1024", "--heartbeats", "5", "--json").Json();
        var root = json.RootElement;
        var echo = root.GetProperty("echo");
        JsonAssert.Number(echo, "packets", 256);
        JsonAssert.Number(echo, "packetSize", 1024);
        JsonAssert.Number(echo, "verified", 256);
        JsonAssert.Number(root, "heartbeats", 5);
        var channel = root.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("device").GetString() == "echo");
        JsonAssert.Number(channel, "packetsReceived", 256);
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
        var run = CliRunner.Run("simulate", "--routing", "none", "--l2-guests", "0", "--json");
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
    [InlineData("--packet-size", "0")]
    [InlineData("--packet-size", "70000")]
    [InlineData("--packets", "-1")]
    [InlineData("--heartbeats", "x")]
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
    public void MultiVp_ChannelsRunOnTheirTargetVps()
    {
        using var json = CliRunner.Ok("simulate", "--vps", "4", "--l2-guests", "0", "--json").Json();
        var root = json.RootElement;
        var channels = root.GetProperty("channels").EnumerateArray().ToArray();
        // Each channel targets VP relid mod 4; its signals come from there.
        Assert.Equal([1u, 2u, 3u, 0u, 1u], channels.Select(c => c.GetProperty("targetVp").GetUInt32()).ToArray());
        var signallers = root.GetProperty("hypercalls").EnumerateArray()
            .Where(c => c.GetProperty("code").GetInt32() == 0x5D)
            .Select(c => c.GetProperty("vp").GetUInt32()).Distinct().Order().ToArray();
        Assert.Equal([0u, 1u, 3u], signallers);
    }
}
