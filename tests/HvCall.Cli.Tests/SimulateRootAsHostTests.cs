using System;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary><c>hvcall simulate</c> on the nested machine whose root serves L2 guests: --l2-guests, --scenario, the children in text and JSON.</summary>
public sealed class SimulateRootAsHostTests
{
    private const ulong Version52 = 0x0005_0002; // vmbus.md §3, WIN10_V5_2 = 327682
    private const ulong FirstGpadl = 0xE1E10;    // vmbus-datapath.md §2, Linux's first GPADL handle

    // vmbus.md §5 (heartbeat) and HvCall's own echo device.
    private const string HeartbeatType = "57164f39-9115-4e78-ab55-382f3bd5422d";
    private const string EchoType = "e5c0be7a-4876-4361-8a6c-6c6563686f00";

    [Fact]
    public void Default_Text_ShowsTheChildServedByTheRoot_AndASummaryRowPerPartition()
    {
        var text = CliRunner.Ok("simulate").Stdout;

        Assert.Contains("scenario  default", text);
        Assert.Contains("root partition and 1 L2 guest(s)", text);
        Assert.Contains("root partition as VMBus client of L0:", text);
        Assert.Contains("l2-guest-0, served by the root: connected, version 5.2; 3 heartbeat rounds; 1000 echoes intact; unloaded: yes", text);
        var rows = text.Split('\n');
        // The root: its client's calls nested to L0, its Direct calls to L1; the guest: its calls to L1, never nested.
        Assert.Contains(rows, r => Row(r, "root", "0x005C HvCallPostMessage", "L0", "nested", "HV_STATUS_SUCCESS"));
        Assert.Contains(rows, r => Row(r, "root", "0x00C1 HvCallPostMessageDirect", "L1", "-", "HV_STATUS_SUCCESS"));
        Assert.Contains(rows, r => Row(r, "root", "0x00C0 HvCallSignalEventDirect", "L1", "-", "HV_STATUS_SUCCESS"));
        Assert.Contains(rows, r => Row(r, "root", "0x0095 HvCallCreatePort", "L1", "-", "HV_STATUS_SUCCESS"));
        Assert.Contains(rows, r => Row(r, "l2-guest-0", "0x005C HvCallPostMessage", "L1", "-", "HV_STATUS_SUCCESS"));
        Assert.Contains(rows, r => Row(r, "l2-guest-0", "0x005D HvCallSignalEvent", "L1", "fast", "HV_STATUS_SUCCESS"));
        Assert.DoesNotContain(rows, r => r.StartsWith("l2-guest-0", StringComparison.Ordinal) && (Has(r, "L0") || r.Contains("nested", StringComparison.Ordinal)));
        Assert.DoesNotContain("NOT connected", text);
    }

    [Fact]
    public void Json_HasScenario_Children_AndAPartitionOnEveryCall()
    {
        using var json = CliRunner.Ok("simulate", "--json").Json();
        var root = json.RootElement;

        JsonAssert.String(root, "scenario", "default");
        JsonAssert.Bool(root, "vmbusConnected", true);
        JsonAssert.Bool(root, "unloaded", true);
        var child = Assert.Single(root.GetProperty("children").EnumerateArray().ToArray());
        JsonAssert.String(child, "partition", "l2-guest-0");
        JsonAssert.Bool(child, "vmbusConnected", true);
        JsonAssert.Number(child, "vmbusVersion", Version52);
        JsonAssert.Number(child, "offers", 2);
        JsonAssert.Number(child, "heartbeats", 3);
        JsonAssert.Number(child, "echoesVerified", 1000);
        JsonAssert.Bool(child, "unloaded", true);

        var channels = child.GetProperty("channels").EnumerateArray().ToArray();
        Assert.Equal([1u, 2u], channels.Select(c => c.GetProperty("relId").GetUInt32()).ToArray());
        Assert.Equal(["heartbeat", "echo"], channels.Select(c => c.GetProperty("device").GetString()!).ToArray());
        Assert.Equal([HeartbeatType, EchoType], channels.Select(c => c.GetProperty("interfaceType").GetString()!).ToArray());
        Assert.Equal([0x2001u, 0x2002u], channels.Select(c => c.GetProperty("connectionId").GetUInt32()).ToArray());
        Assert.Equal([FirstGpadl, FirstGpadl + 1], channels.Select(c => c.GetProperty("gpadl").GetUInt64()).Order().ToArray());
        // Rings: 2 × 4 pages for heartbeat, 2 × 16 for echo.
        Assert.Equal([8, 32], channels.Select(c => c.GetProperty("ringPages").GetInt32()).ToArray());
        foreach (var channel in channels)
        {
            JsonAssert.Bool(channel, "opened", true);
            Assert.True(channel.GetProperty("signalsSent").GetInt64() >= 1);
            Assert.True(channel.GetProperty("interruptsReceived").GetInt64() >= 1);
        }
        // Heartbeat: the guest answers the negotiate packet and each of the 3 heartbeats; echo: 1000 each way.
        JsonAssert.Number(channels[0], "packetsSent", 4);
        JsonAssert.Number(channels[0], "packetsReceived", 4);
        JsonAssert.Number(channels[1], "packetsSent", 1000);
        JsonAssert.Number(channels[1], "packetsReceived", 1000);

        var calls = root.GetProperty("hypercalls").EnumerateArray().ToArray();
        Assert.All(calls, call => Assert.Equal(JsonValueKind.String, call.GetProperty("partition").ValueKind));
        Assert.Equal(["l2-guest-0", "root"], calls.Select(c => c.GetProperty("partition").GetString()!).Distinct().Order().ToArray());
        Assert.All(calls.Where(c => c.GetProperty("partition").GetString() == "l2-guest-0"), call =>
        {
            JsonAssert.Bool(call, "nested", false);
            JsonAssert.String(call, "handledBy", "L1");
        });
    }

    [Fact]
    public void NaiveRoot_ExitsZero_AndShowsTheFailureAtL0()
    {
        var text = CliRunner.Ok("simulate", "--scenario", "naive-root").Stdout;

        Assert.Contains("scenario  naive-root", text);
        var rows = text.Split('\n');
        Assert.Contains(rows, r => Row(r, "root", "0x005C HvCallPostMessage", "L0", "nested", "HV_STATUS_INVALID_CONNECTION_ID") && Count(r) == 1);
        Assert.Contains(rows, r => Row(r, "root", "0x005D HvCallSignalEvent", "L0", "fast,nested", "HV_STATUS_INVALID_CONNECTION_ID") && Count(r) == 1);
        Assert.Contains(rows, r => Row(r, "root", "0x005C HvCallPostMessage", "L1", "-", "HV_STATUS_SUCCESS"));
        Assert.Contains(rows, r => Row(r, "root", "0x005D HvCallSignalEvent", "L1", "fast", "HV_STATUS_SUCCESS"));
        Assert.Contains("l2-guest-0, served by the root: connected", text);

        using var json = CliRunner.Ok("simulate", "--scenario", "naive-root", "--json").Json();
        JsonAssert.String(json.RootElement, "scenario", "naive-root");
        JsonAssert.Number(json.RootElement, "failures", 2);
        var failed = json.RootElement.GetProperty("hypercalls").EnumerateArray().Where(c => c.GetProperty("status").GetUInt32() != 0).ToArray();
        Assert.Equal([0x5Cu, 0x5Du], failed.Select(c => c.GetProperty("code").GetUInt32()).ToArray());
        Assert.All(failed, c =>
        {
            JsonAssert.Number(c, "status", 0x12);
            JsonAssert.Bool(c, "nested", true);
            JsonAssert.String(c, "handledBy", "L0");
            JsonAssert.String(c, "partition", "root");
        });
    }

    [Fact]
    public void RoutingNone_ExitsThree_AndTheChildStillConnects()
    {
        var run = CliRunner.Run("simulate", "--scenario", "routing-none", "--json");

        Assert.Equal(3, run.ExitCode);
        Assert.Equal(string.Empty, run.Stderr);
        using var json = run.Json();
        var root = json.RootElement;
        JsonAssert.String(root, "scenario", "routing-none");
        JsonAssert.String(root, "routing", "none");
        JsonAssert.Bool(root, "nestedRouting", false);
        JsonAssert.Bool(root, "vmbusConnected", false);
        var child = Assert.Single(root.GetProperty("children").EnumerateArray().ToArray());
        JsonAssert.Bool(child, "vmbusConnected", true);
        JsonAssert.Number(child, "vmbusVersion", Version52);
        JsonAssert.Number(child, "echoesVerified", 1000);
        JsonAssert.Bool(child, "unloaded", true);
        var rootPosts = root.GetProperty("hypercalls").EnumerateArray()
            .Where(c => c.GetProperty("partition").GetString() == "root" && c.GetProperty("code").GetUInt32() == 0x5C).ToArray();
        Assert.Equal(8, rootPosts.Length);
        Assert.All(rootPosts, c => JsonAssert.Number(c, "status", 0x12));
        Assert.DoesNotContain(root.GetProperty("hypercalls").EnumerateArray(), c => c.GetProperty("nested").GetBoolean());

        var text = CliRunner.Run("simulate", "--scenario", "routing-none");
        Assert.Equal(3, text.ExitCode);
        Assert.Contains("l2-guest-0, served by the root: connected", text.Stdout);
        Assert.Contains("NOT connected", text.Stdout);
    }

    [Fact]
    public void TwoGuests_TwoVps()
    {
        var text = CliRunner.Ok("simulate", "--l2-guests", "2", "--vps", "2").Stdout;
        Assert.Contains("2 VP(s)", text);
        Assert.Contains("root partition and 2 L2 guest(s)", text);
        Assert.Contains("l2-guest-0, served by the root: connected", text);
        Assert.Contains("l2-guest-1, served by the root: connected", text);

        using var json = CliRunner.Ok("simulate", "--l2-guests", "2", "--vps", "2", "--json").Json();
        JsonAssert.Number(json.RootElement, "vps", 2);
        var children = json.RootElement.GetProperty("children").EnumerateArray().ToArray();
        Assert.Equal(["l2-guest-0", "l2-guest-1"], children.Select(c => c.GetProperty("partition").GetString()!).ToArray());
        Assert.All(children, c => JsonAssert.Bool(c, "unloaded", true));
        Assert.Equal(["l2-guest-0", "l2-guest-1", "root"],
            json.RootElement.GetProperty("hypercalls").EnumerateArray().Select(c => c.GetProperty("partition").GetString()!).Distinct().Order().ToArray());
    }

    [Fact]
    public void ZeroGuests_GivesTheRootAlone()
    {
        using var json = CliRunner.Ok("simulate", "--l2-guests", "0", "--json").Json();

        Assert.Empty(json.RootElement.GetProperty("children").EnumerateArray());
        Assert.All(json.RootElement.GetProperty("hypercalls").EnumerateArray(), c => JsonAssert.String(c, "partition", "root"));
    }

    [Theory]
    [InlineData("--topology", "flat", "--l2-guests", "1")]
    [InlineData("--l2-guests", "17")]
    [InlineData("--scenario", "nope")]
    [InlineData("--topology", "flat", "--scenario", "naive-root")]
    [InlineData("--l2-guests", "0", "--scenario", "naive-root")]
    public void BadValues_AreUsageErrors(params string[] options) => CliRunner.UsageError(["simulate", .. options]);

    [Fact]
    public void UsageErrors_SayWhy()
    {
        Assert.Contains("nested", CliRunner.UsageError("simulate", "--topology", "flat", "--l2-guests", "1").Stderr, StringComparison.Ordinal);
        Assert.Contains("16", CliRunner.UsageError("simulate", "--l2-guests", "17").Stderr, StringComparison.Ordinal);
        Assert.Contains("naive-root", CliRunner.UsageError("simulate", "--topology", "flat", "--scenario", "naive-root").Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("naive-root")]
    [InlineData("routing-none")]
    public void SameSeed_IdenticalJson(string scenario)
    {
        string[] args = ["simulate", "--scenario", scenario, "--l2-guests", "2", "--vps", "2", "--seed", "9", "--json"];
        var a = CliRunner.Run(args);
        var b = CliRunner.Run(args);

        Assert.Equal(a.ExitCode, b.ExitCode);
        Assert.Equal(a.Stdout, b.Stdout);
        Assert.NotEmpty(a.Stdout);
    }

    // A summary row: partition, hypercall, layer, flags and status as whole columns.
    private static bool Row(string row, string partition, string hypercall, string layer, string flags, string status)
    {
        var columns = row.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return columns.Length == 6 && columns[0] == partition && columns[1] == hypercall && columns[2] == layer && columns[3] == flags && columns[4] == status;
    }

    private static bool Has(string row, string column) => row.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains(column);

    private static int Count(string row) => int.Parse(row.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1], System.Globalization.CultureInfo.InvariantCulture);
}
