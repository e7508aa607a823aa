using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using HvCall.VmBus;
using HvCall.VmBus.Messages;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.VmBus;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall simulate [--topology nested|flat] [--arch x64|arm64] [--routing auto|none] [--vps N] [--seed S] [--json]</c>:
/// VMBus bring-up on a simulated machine, with every hypercall the guest issued.
/// </summary>
internal static class SimulateCommand
{
    /// <summary>Exit code when the run completed but VMBus did not connect.</summary>
    public const int VmBusFailed = 3;

    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var topology = CommonOptions.Topology("nested (default): the guest code is the root partition of an L1 hypervisor inside an L0 VM; flat: a guest partition on L0.");
        var architecture = CommonOptions.Architecture();
        var routing = new Option<string>("--routing")
        {
            Description = "auto (default): the routing table from CPUID; none: the table switched off (the ablation).",
            HelpName = "auto|none",
        };
        routing.AcceptOnlyFromAmong("auto", "none");
        var vps = new Option<int?>("--vps") { Description = "Guest virtual processors, 1 to 64 (default 1).", HelpName = "N" };
        var seed = CommonOptions.Number("--seed", "The scheduler seed (default 1); the same seed gives the same trace.");
        var json = CommonOptions.Json();
        var command = new Command("simulate", "Bring up VMBus on a simulated flat or nested Hyper-V machine and show every hypercall.")
        {
            topology, architecture, routing, vps, seed, json,
        };
        command.SetAction(parseResult =>
        {
            var options = new MachineOptions
            {
                Topology = parseResult.GetResult(topology) is null ? Topology.Nested : parseResult.GetValue(topology),
                Architecture = CommonOptions.ArchitectureOrDefault(parseResult.GetValue(architecture)),
                Routing = parseResult.GetValue(routing) == "none" ? RoutingMode.None : RoutingMode.Auto,
                VpCount = parseResult.GetValue(vps) ?? 1,
                Seed = parseResult.GetValue(seed) ?? 1,
            };
            if (options.Validate() is { } problem)
                throw new CliUsageException(problem);
            var report = VmBusBringUp.Run(options);
            if (parseResult.GetValue(json))
                WriteJson(context.Out, report);
            else
                WriteText(context.Out, report);
            return report.VmBusConnected ? ExitCodes.Success : VmBusFailed;
        });
        return command;
    }

    private static string Spell(Topology topology) => topology == Topology.Nested ? "nested" : "flat";

    private static string VersionName(uint version) => version == 0 ? "none" : VmBusProtocol.FormatVersion(version);

    private static void WriteJson(TextWriter output, SimulationReport report)
    {
        JsonOutput.Write(output, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("topology", Spell(report.Topology));
            writer.WriteString("architecture", CommonOptions.Spell(report.Architecture));
            writer.WriteString("routing", report.Routing == RoutingMode.None ? "none" : "auto");
            writer.WriteBoolean("nestedRouting", report.NestedRouting);
            writer.WriteNumber("vps", report.VpCount);
            writer.WriteNumber("seed", report.Seed);
            writer.WriteBoolean("vmbusConnected", report.VmBusConnected);
            writer.WriteNumber("vmbusVersion", report.VmBusVersion);
            writer.WriteString("vmbusVersionName", VersionName(report.VmBusVersion));
            writer.WriteNumber("offers", report.Offers.Count);
            writer.WriteStartArray("channels");
            foreach (var offer in report.Offers)
            {
                writer.WriteStartObject();
                writer.WriteNumber("relid", offer.ChildRelId);
                writer.WriteString("device", VmBusDevices.NameOf(offer.InterfaceType));
                writer.WriteString("interfaceType", offer.InterfaceType.ToString());
                writer.WriteNumber("connectionId", offer.ConnectionId);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteNumber("signalsSent", report.SignalsSent);
            writer.WriteNumber("eventsReceived", report.EventsReceived);
            writer.WriteStartArray("hypercalls");
            foreach (var call in report.Hypercalls)
            {
                writer.WriteStartObject();
                writer.WriteNumber("timeNs", call.Time);
                writer.WriteNumber("vp", call.Vp);
                writer.WriteString("handledBy", call.HandledBy);
                writer.WriteNumber("code", call.Control.Code.Value);
                writer.WriteString("name", call.Control.Code.ToString());
                writer.WriteNumber("control", call.Control.Value);
                writer.WriteBoolean("fast", call.Control.IsFast);
                writer.WriteNumber("repCount", call.Control.RepCount);
                writer.WriteBoolean("nested", call.Control.IsNested);
                writer.WriteNumber("status", (ushort)call.Result.Status);
                writer.WriteString("statusName", HvStatusNames.TlfsName(call.Result.Status));
                writer.WriteNumber("repsCompleted", call.Result.RepsCompleted);
                writer.WriteEndObject();
            }
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
    }

    private static void WriteText(TextWriter output, SimulationReport report)
    {
        var machine = report.Topology == Topology.Nested
            ? "L0 -> l1-vm -> L1 -> root partition (guest code)"
            : "L0 -> guest partition (guest code)";
        TextListing.WriteFields(output,
        [
            ("machine", $"{Spell(report.Topology)}, {CommonOptions.Spell(report.Architecture)}, {report.VpCount} VP(s): {machine}"),
            ("routing", $"{(report.Routing == RoutingMode.None ? "none (table switched off)" : "auto (from CPUID)")}; nested bit on PostMessage/SignalEvent: {TextListing.YesNo(report.NestedRouting)}"),
            ("seed", report.Seed.ToString(CultureInfo.InvariantCulture)),
        ]);
        output.WriteLine();

        var rows = new List<IReadOnlyList<string>>();
        var index = 0;
        foreach (var call in report.Hypercalls)
        {
            rows.Add(
            [
                (++index).ToString(CultureInfo.InvariantCulture),
                $"{call.Time / 1000.0:0.000}",
                $"vp{call.Vp}",
                call.HandledBy,
                $"0x{call.Control.Code.Value:X4} {call.Control.Code}",
                Flags(call.Control),
                HvStatusNames.TlfsName(call.Result.Status) + (call.Control.RepCount > 0 ? $" ({call.Result.RepsCompleted}/{call.Control.RepCount} reps)" : ""),
            ]);
        }
        TextListing.WriteTable(output, ["#", "t (us)", "vp", "layer", "hypercall", "flags", "status"], rows);
        output.WriteLine();

        TextListing.WriteFields(output,
        [
            ("vmbus", report.VmBusConnected ? $"connected, version {VersionName(report.VmBusVersion)}" : "NOT connected"),
            ("offers", OfferSummary(report.Offers)),
            ("channel signals", $"{report.SignalsSent} sent, {report.EventsReceived} echoed back as event flags"),
            ("hypercalls", $"{report.Hypercalls.Count} issued, {report.Failures} failed"),
            ("virtual time", $"{report.VirtualTimeNs / 1000.0:0.000} us in {report.Steps} scheduler steps"),
        ]);
        foreach (var error in report.Errors)
            output.WriteLine($"  ! {error}");
    }

    private static string Flags(HypercallControl control)
    {
        var flags = new List<string>(3);
        if (control.IsFast) flags.Add("fast");
        if (control.RepCount > 0) flags.Add("rep");
        if (control.IsNested) flags.Add("nested");
        return flags.Count == 0 ? "-" : string.Join(',', flags);
    }

    private static string OfferSummary(IReadOnlyList<VmBusOffer> offers)
    {
        if (offers.Count == 0)
            return "none";
        var parts = new List<string>(offers.Count);
        foreach (var offer in offers)
            parts.Add($"{offer.ChildRelId}:{VmBusDevices.NameOf(offer.InterfaceType)} (conn 0x{offer.ConnectionId:X})");
        return string.Join(", ", parts);
    }
}
