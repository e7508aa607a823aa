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
/// <c>hvcall simulate [--topology nested|flat] [--arch x64|arm64] [--routing auto|none] [--vps N] [--seed S]
/// [--l0 PROFILE] [--packets N] [--packet-size S] [--heartbeats N] [--calls] [--json] [--trace-out FILE [--trace-format kvm]]
/// [--perfetto FILE]</c>: VMBus on a simulated machine, from bring-up through channel traffic to unload, with the hypercalls
/// the guest issued; L0 answers as the host profile; the run's events optionally written as a KVM log and a Perfetto timeline.
/// </summary>
internal static class SimulateCommand
{
    /// <summary>Exit code when the run ended but VMBus did not connect, or a channel, device or unload failed.</summary>
    public const int VmBusFailed = 3;

    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var topology = CommonOptions.Topology("nested (default): the guest code is the root partition of an L1 hypervisor inside an L0 VM; flat: a guest partition on L0.");
        var architecture = CommonOptions.Architecture();
        var routing = CommonOptions.Choice("--routing", "routing mode",
            "auto (default): the routing table from CPUID; none: the table switched off (the ablation).", "auto", "none");
        var vps = CommonOptions.Number("--vps", "Guest virtual processors, 1 to 64 (default 1).", int.MaxValue);
        var seed = CommonOptions.Number("--seed", "The scheduler seed (default 1); the same seed gives the same trace.");
        var packets = CommonOptions.Number("--packets", "Echo packets the guest sends, each echoed back by the host (default 1000).", int.MaxValue);
        var packetSize = CommonOptions.Number("--packet-size", "Payload bytes of each echo packet (default 64).", int.MaxValue);
        var heartbeats = CommonOptions.Number("--heartbeats", "Heartbeat rounds the host runs (default 3).", int.MaxValue);
        var l2Guests = CommonOptions.Number("--l2-guests", "Guest partitions of the L1 hypervisor, served by the nested root over VMBus (default 1 on nested; 0 gives a root with no guests; nested only).", int.MaxValue);
        var scenario = CommonOptions.Choice("--scenario", "scenario",
            "default: every call lands where it must; naive-root: the root reaches its guests with plain PostMessage/SignalEvent, " +
            "which the table sends nested to L0 (then the explicit per-call target); routing-none: the root's table switched off.",
            "default", "naive-root", "routing-none");
        var l0 = CommonOptions.HostProfile("--l0",
            "The host L0 answers hypercalls as: hyperv (default), kvm, kvm-relay, qemu or openvmm; on nested, L1 stays Hyper-V.");
        var calls = new Option<bool>("--calls") { Description = "List every hypercall instead of the per-code summary." };
        var json = CommonOptions.Json();
        var traceOut = TraceOutputs.TraceOutOption();
        var traceFormat = TraceOutputs.TraceFormatOption();
        var perfetto = TraceOutputs.PerfettoOption();
        var command = new Command("simulate",
            "Run VMBus on a simulated flat or nested Hyper-V machine: bring-up, channels over GPADLs and rings, heartbeat, shutdown and echo traffic, close, unload.")
        {
            topology, architecture, routing, vps, seed, l2Guests, l0, scenario, packets, packetSize, heartbeats, calls, json,
            traceOut, traceFormat, perfetto,
        };
        command.SetAction(parseResult =>
        {
            var options = new MachineOptions
            {
                Topology = parseResult.GetResult(topology) is null ? Topology.Nested : parseResult.GetValue(topology),
                Architecture = CommonOptions.ArchitectureOrDefault(parseResult.GetValue(architecture)),
                Routing = parseResult.GetValue(routing) == "none" ? RoutingMode.None : RoutingMode.Auto,
                VpCount = CommonOptions.AsInt(parseResult.GetValue(vps)) ?? 1,
                Seed = parseResult.GetValue(seed) ?? 1,
                L0Profile = CommonOptions.HostProfileOrDefault(parseResult.GetValue(l0)),
                L2Guests = CommonOptions.AsInt(parseResult.GetValue(l2Guests)),
            };
            var chosen = parseResult.GetValue(scenario) switch
            {
                "naive-root" => Scenario.NaiveRoot,
                "routing-none" => Scenario.RoutingNone,
                _ => Scenario.Default,
            };
            if (chosen == Scenario.NaiveRoot && options.L2GuestCount == 0)
                throw new CliUsageException("The naive-root scenario needs L2 guests for the root to serve: use the nested topology with --l2-guests 1 or more.");
            if ((CommonOptions.ArchitectureProblem(options.Topology, options.Architecture, parseResult.GetResult(topology) is not null) ?? options.Validate()) is { } problem)
                throw new CliUsageException(problem);
            var defaults = new ChannelWorkload();
            var workload = defaults with
            {
                EchoPackets = CommonOptions.AsInt(parseResult.GetValue(packets)) ?? defaults.EchoPackets,
                EchoPacketSize = CommonOptions.AsInt(parseResult.GetValue(packetSize)) ?? defaults.EchoPacketSize,
                HeartbeatRounds = CommonOptions.AsInt(parseResult.GetValue(heartbeats)) ?? defaults.HeartbeatRounds,
            };
            if (workload.Validate() is { } workloadProblem)
                throw new CliUsageException(workloadProblem);
            var machine = Machine.Build(VmBusBringUp.OptionsFor(options, chosen));
            SimulationReport report;
            using (TraceOutputs.Attach(machine, parseResult.GetValue(traceOut), parseResult.GetValue(perfetto)))
                report = VmBusBringUp.Run(machine, workload, chosen);
            if (parseResult.GetValue(json))
                SimulateJson.Write(context.Out, report);
            else
                SimulateText.Write(context.Out, report, parseResult.GetValue(calls));
            return report.Succeeded ? ExitCodes.Success : VmBusFailed;
        });
        return command;
    }
}
