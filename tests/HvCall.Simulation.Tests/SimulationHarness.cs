using System;
using System.Collections.Generic;
using System.Linq;
using HvCall.VmBus;
using HvCall.VmBus.Messages;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.VmBus;

namespace HvCall.Simulation.Tests;

/// <summary>A bring-up run whose host and client the test built itself, so host-side counters are visible.</summary>
internal sealed record HostedRun(Machine Machine, VmBusHost Host, VmBusClient Client, bool Completed);

/// <summary>Shared helpers: device GUIDs typed from vmbus.md §5, and a bring-up run with the host in hand.</summary>
internal static class SimulationHarness
{
    // vmbus.md §5, typed here independently of VmBusDevices.
    public static readonly Guid NetworkGuid = new("f8615163-df3e-46c5-913f-f2d2f965ed0e");
    public static readonly Guid StorageGuid = new("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
    public static readonly Guid HeartbeatGuid = new("57164f39-9115-4e78-ab55-382f3bd5422d");

    public const uint Version52 = 0x0005_0002;
    public const uint Version53 = 0x0005_0003;
    public const ushort PostMessageCode = 0x005C;
    public const ushort SignalEventCode = 0x005D;
    public const ushort SetVpRegistersCode = 0x0051;
    public const ulong NestedBit = 1UL << 31;

    public static MachineOptions Options(Topology topology, HvArchitecture architecture = HvArchitecture.X64, int vps = 1, ulong seed = 1,
        RoutingMode routing = RoutingMode.Auto) =>
        new() { Topology = topology, Architecture = architecture, VpCount = vps, Seed = seed, Routing = routing };

    /// <summary>Runs bring-up as <see cref="VmBusBringUp.Run(Machine)"/> does, keeping the host.</summary>
    public static HostedRun RunHosted(MachineOptions options, uint maxVersion = Version52)
    {
        var machine = Machine.Build(options);
        var host = new VmBusHost(machine.L0, machine.Host, machine.VmBusPartition, maxVersion);
        var client = new VmBusClient(machine.GuestVps);
        machine.Scheduler.Spawn("vmbus-host", host.Run(), daemon: true);
        foreach (var vp in machine.GuestVps)
            machine.Scheduler.Spawn($"vp{vp.Index}", client.RunVp(vp));
        var completed = machine.Scheduler.Run(VmBusBringUp.MaxSteps);
        return new HostedRun(machine, host, client, completed);
    }

    public static bool Is(HypercallTraceEntry entry, ushort code) => entry.Control.Code.Value == code;

    /// <summary>The PostMessage/SignalEvent entries, the VMBus calls that the routing table concerns.</summary>
    public static IEnumerable<HypercallTraceEntry> VmBusCalls(IEnumerable<HypercallTraceEntry> trace) =>
        trace.Where(e => Is(e, PostMessageCode) || Is(e, SignalEventCode));

    /// <summary>One string per trace: every field of every entry, time included.</summary>
    public static string Fingerprint(IEnumerable<HypercallTraceEntry> trace) =>
        string.Join('\n', trace.Select(e => $"{e.Time}|{e.Vp}|{e.HandledBy}|{e.Control.Value:X16}|{e.Result.Value:X16}|{e.Executions}"));
}
