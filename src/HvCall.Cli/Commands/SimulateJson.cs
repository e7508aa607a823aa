using System.IO;
using System.Text.Json;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.VmBus.Messages;

namespace HvCall.Cli.Commands;

/// <summary>The <c>--json</c> form of <c>hvcall simulate</c> (docs/cli.md lists every field).</summary>
internal static class SimulateJson
{
    public static void Write(TextWriter output, SimulationReport report) => JsonOutput.Write(output, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("topology", SimulateText.Spell(report.Topology));
        writer.WriteString("architecture", CommonOptions.Spell(report.Architecture));
        writer.WriteString("l0", report.L0Profile.Name);
        writer.WriteString("routing", report.Routing == RoutingMode.None ? "none" : "auto");
        writer.WriteBoolean("nestedRouting", report.NestedRouting);
        writer.WriteNumber("vps", report.VpCount);
        writer.WriteNumber("seed", report.Seed);
        writer.WriteString("scenario", ScenarioNames.Spell(report.Scenario));
        writer.WriteBoolean("vmbusConnected", report.VmBusConnected);
        writer.WriteNumber("vmbusVersion", report.VmBusVersion);
        writer.WriteString("vmbusVersionName", SimulateText.VersionName(report.VmBusVersion));
        writer.WriteNumber("offers", report.Offers.Count);
        writer.WriteStartArray("channels");
        foreach (var channel in report.Channels)
            WriteChannel(writer, channel);
        writer.WriteEndArray();
        writer.WriteNumber("heartbeats", report.Heartbeats);
        if (report.ShutdownVersion is { } shutdown)
            writer.WriteString("shutdownVersion", shutdown);
        else
            writer.WriteNull("shutdownVersion");
        writer.WriteStartObject("echo");
        writer.WriteNumber("packets", report.Workload.EchoPackets);
        writer.WriteNumber("packetSize", report.Workload.EchoPacketSize);
        writer.WriteNumber("verified", report.EchoesVerified);
        writer.WriteEndObject();
        writer.WriteBoolean("unloaded", report.Unloaded);
        writer.WriteStartArray("children");
        foreach (var child in report.Children)
            WriteChild(writer, child);
        writer.WriteEndArray();
        writer.WriteNumber("signalsSent", report.SignalsSent);
        writer.WriteNumber("eventsReceived", report.InterruptsReceived);
        writer.WriteStartArray("hypercalls");
        foreach (var call in report.Hypercalls)
            HypercallTraceJson.Write(writer, call);
        writer.WriteEndArray();
        writer.WriteNumber("failures", report.Failures);
        writer.WriteStartArray("errors");
        foreach (var error in report.Errors)
            writer.WriteStringValue(error);
        writer.WriteEndArray();
        writer.WriteNumber("steps", report.Steps);
        writer.WriteNumber("virtualTimeNs", report.VirtualTimeNs);
        writer.WriteEndObject();
    });

    private static void WriteChild(Utf8JsonWriter writer, ChildReport child)
    {
        writer.WriteStartObject();
        writer.WriteString("partition", child.Partition);
        writer.WriteBoolean("vmbusConnected", child.VmBusConnected);
        writer.WriteNumber("vmbusVersion", child.VmBusVersion);
        writer.WriteString("vmbusVersionName", SimulateText.VersionName(child.VmBusVersion));
        writer.WriteNumber("offers", child.Offers);
        writer.WriteStartArray("channels");
        foreach (var channel in child.Channels)
            WriteChannel(writer, channel);
        writer.WriteEndArray();
        writer.WriteNumber("heartbeats", child.Heartbeats);
        writer.WriteNumber("echoesVerified", child.EchoesVerified);
        writer.WriteBoolean("unloaded", child.Unloaded);
        writer.WriteEndObject();
    }

    private static void WriteChannel(Utf8JsonWriter writer, ChannelReport channel)
    {
        writer.WriteStartObject();
        writer.WriteNumber("relId", channel.RelId);
        writer.WriteNumber("relid", channel.RelId);
        writer.WriteString("device", channel.Device);
        writer.WriteString("interfaceType", channel.InterfaceType.ToString());
        writer.WriteNumber("connectionId", channel.ConnectionId);
        writer.WriteNumber("targetVp", channel.TargetVp);
        writer.WriteBoolean("opened", channel.Opened);
        writer.WriteBoolean("closed", channel.Closed);
        writer.WriteNumber("gpadl", channel.Gpadl);
        writer.WriteNumber("ringPages", channel.RingPages);
        writer.WriteNumber("packetsSent", channel.PacketsSent);
        writer.WriteNumber("packetsReceived", channel.PacketsReceived);
        writer.WriteNumber("signalsSent", channel.SignalsSent);
        writer.WriteNumber("interruptsReceived", channel.InterruptsReceived);
        writer.WriteEndObject();
    }
}
