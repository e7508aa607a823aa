using System;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.VmBus;

namespace HvCall.Simulation.Tests;

/// <summary>A VMBus run whose host and client the test built itself, so host-side state is visible, with its report.</summary>
internal sealed record HostedRun(Machine Machine, VmBusHost Host, VmBusClient Client, bool Completed, SimulationReport Report);

/// <summary>Shared helpers: device GUIDs and constants typed from the reference sheets, and a run with the host in hand.</summary>
internal static class SimulationHarness
{
    // vmbus.md §5 / vmbus-datapath.md §6, typed here independently of VmBusDevices.
    public static readonly Guid NetworkGuid = new("f8615163-df3e-46c5-913f-f2d2f965ed0e");
    public static readonly Guid StorageGuid = new("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
    public static readonly Guid HeartbeatGuid = new("57164f39-9115-4e78-ab55-382f3bd5422d");
    public static readonly Guid ShutdownGuid = new("0e0b6031-5213-4934-818b-38d90ced39db");
    // HvCall's own echo device (not a Microsoft device).
    public static readonly Guid EchoGuid = new("e5c0be7a-4876-4361-8a6c-6c6563686f00");

    /// <summary>The offers in relid order 1..5.</summary>
    public static readonly Guid[] OfferedTypes = [NetworkGuid, StorageGuid, HeartbeatGuid, ShutdownGuid, EchoGuid];

    public const uint Version52 = 0x0005_0002;
    public const uint Version53 = 0x0005_0003;
    public const uint Version41 = 0x0004_0001;
    public const ushort PostMessageCode = 0x005C;
    public const ushort SignalEventCode = 0x005D;
    public const ushort SetVpRegistersCode = 0x0051;
    public const ulong NestedBit = 1UL << 31;
    /// <summary>Linux's first GPADL handle, CONN next_gpadl_handle (vmbus-datapath.md §2).</summary>
    public const uint FirstGpadl = 0xE1E10;
    /// <summary>OpenVMM builds a channel's connection id as relid | sint 2 &lt;&lt; 12 (vmbus.md §4).</summary>
    public const uint ConnectionIdBase = 0x2000;
    public const uint HeartbeatRelId = 3;
    public const uint ShutdownRelId = 4;
    public const uint EchoRelId = 5;

    /// <summary>
    /// PostMessage calls of a default run (1 VP, host up to 5.2): INITIATE_CONTACT 5.3 (refused) and 5.2, REQUESTOFFERS;
    /// per IC channel (2 × 4-page rings = 8 PFNs, all in the header) GPADL_HEADER, OPENCHANNEL, CLOSECHANNEL,
    /// GPADL_TEARDOWN; for echo (2 × 16 pages = 32 PFNs &gt; 26 in a header) the same plus one GPADL_BODY; UNLOAD.
    /// </summary>
    public const int DefaultPosts = 2 + 1 + 4 + 4 + 5 + 1;

    // l2Guests 0: the machine of the channels issue (the root serves no guests), which these tests are about;
    // the root-as-host tests ask for L2 guests.
    public static MachineOptions Options(Topology topology, HvArchitecture architecture = HvArchitecture.X64, int vps = 1, ulong seed = 1,
        RoutingMode routing = RoutingMode.Auto, int l2Guests = 0) =>
        new() { Topology = topology, Architecture = architecture, VpCount = vps, Seed = seed, Routing = routing, L2Guests = topology == Topology.Nested ? l2Guests : null };

    /// <summary>
    /// Runs the scenario as <see cref="VmBusBringUp.Run(Machine, ChannelWorkload?, Scenario)"/> does, keeping the host;
    /// <paramref name="prepare"/> runs after the host is built and before the guest starts (e.g. to remove a connection).
    /// </summary>
    public static HostedRun RunHosted(MachineOptions options, uint maxVersion = Version52, ChannelWorkload? workload = null, Action<Machine, VmBusHost>? prepare = null)
    {
        var machine = Machine.Build(options);
        workload ??= new ChannelWorkload();
        var host = new VmBusHost(machine.L0, machine.Host, machine.VmBusPartition, workload, maxVersion, devices: null);
        prepare?.Invoke(machine, host);
        var client = new VmBusClient(machine.GuestVps, machine.GuestPages, workload);
        var completed = VmBusBringUp.Run(machine, host, client);
        return new HostedRun(machine, host, client, completed, VmBusBringUp.Report(machine, host, client, completed));
    }

    public static bool Is(HypercallTraceEntry entry, ushort code) => entry.Control.Code.Value == code;

    public static int Count(IEnumerable<HypercallTraceEntry> trace, ushort code) => trace.Count(e => Is(e, code));

    /// <summary>The PostMessage/SignalEvent entries, the VMBus calls that the routing table concerns.</summary>
    public static IEnumerable<HypercallTraceEntry> VmBusCalls(IEnumerable<HypercallTraceEntry> trace) =>
        trace.Where(e => Is(e, PostMessageCode) || Is(e, SignalEventCode));

    /// <summary>One string per trace: every field of every entry, time included.</summary>
    public static string Fingerprint(IEnumerable<HypercallTraceEntry> trace) =>
        string.Join('\n', trace.Select(e => $"{e.Time}|{e.Vp}|{e.HandledBy}|{e.Control.Value:X16}|{e.Result.Value:X16}|{e.Executions}"));

    /// <summary>The channel report of <paramref name="relId"/>.</summary>
    public static ChannelReport Channel(SimulationReport report, uint relId) => report.Channels.Single(c => c.RelId == relId);

    /// <summary>The last host channel opened for <paramref name="relId"/>.</summary>
    public static HostChannel HostChannelOf(VmBusHost host, uint relId) => host.ChannelsOpened.Last(c => c.Offer.ChildRelId == relId);

    /// <summary>All errors of a report on one line, for assertion messages.</summary>
    public static string Describe(SimulationReport report) => string.Join("; ", report.Errors);
}
