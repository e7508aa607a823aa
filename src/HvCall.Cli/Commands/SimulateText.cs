using System.Collections.Generic;
using System.Globalization;
using System.IO;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.VmBus.Messages;

namespace HvCall.Cli.Commands;

/// <summary>The text form of <c>hvcall simulate</c>: one screen: machine, channels, hypercalls by code, outcome.</summary>
internal static class SimulateText
{
    public static string Spell(Topology topology) => topology == Topology.Nested ? "nested" : "flat";

    public static string VersionName(uint version) => version == 0 ? "none" : VmBusProtocol.FormatVersion(version);

    public static void Write(TextWriter output, SimulationReport report, bool everyCall)
    {
        var machine = report.Topology != Topology.Nested ? "L0 -> guest partition (guest code)"
            : report.Children.Count == 0 ? "L0 -> l1-vm -> L1 -> root partition (guest code)"
            : $"L0 -> l1-vm -> L1 -> root partition and {report.Children.Count} L2 guest(s) (guest code on each; the root serves the guests)";
        TextListing.WriteFields(output,
        [
            ("machine", $"{Spell(report.Topology)}, {CommonOptions.Spell(report.Architecture)}, {report.VpCount} VP(s): {machine}; L0 answers as {report.L0Profile.Name}"),
            ("routing", $"{(report.Routing == RoutingMode.None ? "none (table switched off)" : "auto (from CPUID)")}; nested bit on PostMessage/SignalEvent: {TextListing.YesNo(report.NestedRouting)}"),
            ("seed", report.Seed.ToString(CultureInfo.InvariantCulture)),
            ("scenario", ScenarioNames.Spell(report.Scenario)),
        ]);
        output.WriteLine();
        if (report.Children.Count > 0)
            output.WriteLine("root partition as VMBus client of L0:");
        WriteChannels(output, report.Channels, report.VmBusConnected);
        foreach (var child in report.Children)
        {
            output.WriteLine();
            output.WriteLine($"{child.Partition}, served by the root: " + (child.VmBusConnected
                ? $"connected, version {VersionName(child.VmBusVersion)}; {child.Heartbeats} heartbeat rounds; {child.EchoesVerified} echoes intact; unloaded: {TextListing.YesNo(child.Unloaded)}"
                : "NOT connected"));
            WriteChannels(output, child.Channels, child.VmBusConnected);
        }
        output.WriteLine();
        if (everyCall)
            WriteCalls(output, report);
        else
            WriteSummary(output, report);
        output.WriteLine();
        WriteOutcome(output, report, everyCall);
    }

    private static void WriteChannels(TextWriter output, IReadOnlyList<ChannelReport> channels, bool connected)
    {
        if (channels.Count == 0)
        {
            output.WriteLine(connected ? "channels: none offered" : "channels: none (VMBus did not connect)");
            return;
        }
        var rows = new List<IReadOnlyList<string>>();
        foreach (var channel in channels)
        {
            var state = channel.Opened ? (channel.Closed ? "opened, closed" : "opened") : "offered only";
            rows.Add(
            [
                Number(channel.RelId),
                channel.Device,
                $"vp{channel.TargetVp}",
                state,
                channel.Gpadl == 0 ? "-" : $"0x{channel.Gpadl:X}",
                channel.RingPages == 0 ? "-" : Number(channel.RingPages),
                Number(channel.PacketsSent),
                Number(channel.PacketsReceived),
                Number(channel.SignalsSent),
                Number(channel.InterruptsReceived),
            ]);
        }
        TextListing.WriteTable(output, ["relid", "device", "vp", "state", "gpadl", "pages", "sent", "received", "signals", "interrupts"], rows);
        var unopened = new List<string>();
        foreach (var channel in channels)
        {
            if (!channel.Opened && channel.Device is "network" or "storage")
                unopened.Add(channel.Device);
        }
        if (unopened.Count > 0)
            output.WriteLine($"  ({string.Join(" and ", unopened)}: offered only; the simulated guest has no driver for them)");
    }

    // Repeated hypercalls condensed: one row per code, layer, flags and status.
    private static void WriteSummary(TextWriter output, SimulationReport report)
    {
        var groups = new List<(string Partition, HvCallCode Code, string Layer, string Flags, HvStatus Status)>();
        var counts = new List<int>();
        foreach (var call in report.Hypercalls)
        {
            var key = (call.Partition, call.Control.Code, call.HandledBy, Flags(call.Control), call.Result.Status);
            var index = groups.IndexOf(key);
            if (index < 0)
            {
                groups.Add(key);
                counts.Add(1);
            }
            else
            {
                counts[index]++;
            }
        }
        // Partitions in the order they first issued a call, codes ascending within each, then the first-seen order.
        var partitions = new List<string>();
        foreach (var group in groups)
        {
            if (!partitions.Contains(group.Partition))
                partitions.Add(group.Partition);
        }
        var order = new List<int>(groups.Count);
        for (var i = 0; i < groups.Count; i++)
            order.Add(i);
        order.Sort((a, b) =>
        {
            var byPartition = partitions.IndexOf(groups[a].Partition).CompareTo(partitions.IndexOf(groups[b].Partition));
            if (byPartition != 0)
                return byPartition;
            var byCode = groups[a].Code.Value.CompareTo(groups[b].Code.Value);
            return byCode != 0 ? byCode : a.CompareTo(b);
        });
        var rows = new List<IReadOnlyList<string>>();
        foreach (var i in order)
        {
            var (partition, code, layer, flags, status) = groups[i];
            rows.Add([partition, $"0x{code.Value:X4} {code}", layer, flags, HvStatusNames.TlfsName(status), Number(counts[i])]);
        }
        TextListing.WriteTable(output, ["partition", "hypercall", "layer", "flags", "status", "count"], rows);
    }

    private static void WriteCalls(TextWriter output, SimulationReport report)
    {
        var rows = new List<IReadOnlyList<string>>();
        var index = 0;
        foreach (var call in report.Hypercalls)
        {
            rows.Add(
            [
                Number(++index),
                $"{call.Time / 1000.0:0.000}",
                call.Partition,
                $"vp{call.Vp}",
                call.HandledBy,
                $"0x{call.Control.Code.Value:X4} {call.Control.Code}",
                Flags(call.Control),
                HvStatusNames.TlfsName(call.Result.Status) + (call.Control.RepCount > 0 ? $" ({call.Result.RepsCompleted}/{call.Control.RepCount} reps)" : ""),
            ]);
        }
        TextListing.WriteTable(output, ["#", "t (us)", "partition", "vp", "layer", "hypercall", "flags", "status"], rows);
    }

    private static void WriteOutcome(TextWriter output, SimulationReport report, bool everyCall)
    {
        var echo = report.Channels.Count == 0 ? null : FindEcho(report);
        TextListing.WriteFields(output,
        [
            ("vmbus", (report.VmBusConnected ? $"connected, version {VersionName(report.VmBusVersion)}" : "NOT connected") +
                $"; unloaded: {TextListing.YesNo(report.Unloaded)}"),
            ("heartbeat", $"{report.Heartbeats} of {report.Workload.HeartbeatRounds} rounds answered with seq_num + 1"),
            ("shutdown", report.ShutdownVersion is { } version ? $"negotiated version {version}" : "not negotiated"),
            ("echo", echo is null ? "no echo channel"
                : $"{report.EchoesVerified} of {report.Workload.EchoPackets} packets of {report.Workload.EchoPacketSize} bytes echoed intact; " +
                  $"guest signals per packet {SignalsPerPacket(echo):0.0000}"),
            ("hypercalls", $"{report.Hypercalls.Count} issued, {report.Failures} failed" + (everyCall ? "" : " (--calls lists every one)")),
            ("virtual time", $"{report.VirtualTimeNs / 1000.0:0.000} us in {report.Steps} scheduler steps"),
        ]);
        foreach (var error in report.Errors)
            output.WriteLine($"  ! {error}");
    }

    private static ChannelReport? FindEcho(SimulationReport report)
    {
        foreach (var channel in report.Channels)
        {
            if (channel.Device == "echo")
                return channel;
        }
        return null;
    }

    private static double SignalsPerPacket(ChannelReport echo) => echo.PacketsSent == 0 ? 0 : (double)echo.SignalsSent / echo.PacketsSent;

    private static string Flags(HypercallControl control)
    {
        var flags = new List<string>(3);
        if (control.IsFast) flags.Add("fast");
        if (control.RepCount > 0) flags.Add("rep");
        if (control.IsNested) flags.Add("nested");
        return flags.Count == 0 ? "-" : string.Join(',', flags);
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
