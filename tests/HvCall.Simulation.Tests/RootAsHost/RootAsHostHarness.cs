using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.VmBus;

namespace HvCall.Simulation.Tests.RootAsHost;

/// <summary>
/// A nested run whose L0 VMBus host, root client, root hosting and L2 guest clients the test built itself, so the
/// servers' and transports' state (messages received, naive failures) and the hypervisors' SynICs are visible.
/// </summary>
internal sealed record RootHostedRun(Machine Machine, VmBusHost L0Host, VmBusClient RootClient, RootVmBusHosting Hosting,
    IReadOnlyList<VmBusClient> Children, bool Completed)
{
    public IReadOnlyList<HypercallTraceEntry> Trace => Machine.Trace.Entries;
}

/// <summary>Constants typed from the reference sheets and the feature's spec, and helpers over the trace.</summary>
internal static class RootAsHostHarness
{
    // hyperv-abi.md §4 (call codes).
    public const ushort PostMessage = 0x005C;
    public const ushort SignalEvent = 0x005D;
    public const ushort DeletePort = 0x0058;
    public const ushort DisconnectPort = 0x005B;
    public const ushort CreatePort = 0x0095;
    public const ushort ConnectPort = 0x0096;
    public const ushort SignalEventDirect = 0x00C0;
    public const ushort PostMessageDirect = 0x00C1;

    /// <summary>The root's management and Direct calls to L1 (vmbus-datapath.md §7: never nested).</summary>
    public static readonly ushort[] RootL1Codes = [CreatePort, ConnectPort, DeletePort, DisconnectPort, SignalEventDirect, PostMessageDirect];

    // hyperv-abi.md §3 (statuses).
    public const ushort InvalidConnectionId = 0x0012;
    public const ushort ObjectInUse = 0x0019;

    // hyperv-abi.md §1: bit 31 of the control word.
    public const ulong NestedBit = 1UL << 31;

    public const string Root = "root";
    public const string L0 = "L0";
    public const string L1 = "L1";

    /// <summary>vmbus.md §3: WIN10_V5_2, the newest version the simulated servers accept.</summary>
    public const uint Version52 = 0x0005_0002;

    /// <summary>The root offers heartbeat (relid 1) and echo (relid 2), connection ids relid | 0x2000 (vmbus.md §4).</summary>
    public const uint HeartbeatRelId = 1;
    public const uint EchoRelId = 2;
    public const uint HeartbeatConnection = 0x2001;
    public const uint EchoConnection = 0x2002;

    /// <summary>
    /// Host → guest control messages of one L2 guest's default run (vmbus.md §1, §3): VERSION_RESPONSE for 5.3 (refused)
    /// and 5.2, two OFFERCHANNELs, ALLOFFERS_DELIVERED, per channel GPADL_CREATED, OPENCHANNEL_RESULT and GPADL_TORNDOWN,
    /// and UNLOAD_RESPONSE.
    /// </summary>
    public const int HostToGuestMessagesPerChild = 2 + 2 + 1 + 2 + 2 + 2 + 1;

    /// <summary>
    /// Guest → host control messages of one L2 guest: INITIATE_CONTACT 5.3 and 5.2, REQUESTOFFERS, per channel
    /// GPADL_HEADER, OPENCHANNEL, CLOSECHANNEL and GPADL_TEARDOWN, one GPADL_BODY for echo's 32 PFNs (more than the 26 a
    /// header holds, vmbus-datapath.md §2), UNLOAD.
    /// </summary>
    public const int GuestToHostMessagesPerChild = 2 + 1 + 2 * 4 + 1 + 1;

    /// <summary>The root's own client of L0 posts the flat guest's 17 (five offers, three opened channels).</summary>
    public const int RootClientPosts = SimulationHarness.DefaultPosts;

    public static string Child(int index) => $"l2-guest-{index}";

    public static MachineOptions Nested(int l2Guests, int vps = 1, ulong seed = 1, RoutingMode routing = RoutingMode.Auto) =>
        new() { Topology = Topology.Nested, VpCount = vps, L2Guests = l2Guests, Seed = seed, Routing = routing };

    /// <summary>
    /// Runs the scenario as <see cref="VmBusBringUp.Run(Machine, ChannelWorkload?, Scenario)"/> does (same spawn order:
    /// the root's hosting, the guests' VPs once the root is ready, L0's host, the root's VPs), keeping every party.
    /// </summary>
    public static RootHostedRun RunByHand(MachineOptions options, RootCallSites callSites = RootCallSites.Direct, ChannelWorkload? workload = null)
    {
        var machine = Machine.Build(options);
        workload ??= new ChannelWorkload();
        var l0Host = new VmBusHost(machine.L0, machine.Host, machine.VmBusPartition, workload);
        var rootClient = new VmBusClient(machine.GuestVps, machine.GuestPages, workload);
        var hosting = new RootVmBusHosting(machine.Primary, machine.L2Guests, workload, callSites);
        machine.Scheduler.Spawn("root-vmbus-host", hosting.Run(), daemon: true);
        var children = new List<VmBusClient>();
        foreach (var guest in machine.L2Guests)
        {
            var child = new VmBusClient(guest.Vps, guest.Pages, workload);
            children.Add(child);
            foreach (var vp in guest.Vps)
                machine.Scheduler.Spawn($"{guest.Name}/vp{vp.Index}", AfterReady(hosting, child.RunVp(vp)));
        }
        var completed = VmBusBringUp.Run(machine, l0Host, rootClient);
        return new RootHostedRun(machine, l0Host, rootClient, hosting, children, completed);
    }

    private static IEnumerable<object?> AfterReady(RootVmBusHosting hosting, IEnumerable<object?> body)
    {
        while (!hosting.Ready)
            yield return null;
        foreach (var step in body)
            yield return step;
    }

    public static bool Is(HypercallTraceEntry entry, ushort code) => entry.Control.Code.Value == code;

    public static bool Nested(HypercallTraceEntry entry) => (entry.Control.Value & NestedBit) != 0;

    public static ushort Status(HypercallTraceEntry entry) => (ushort)entry.Result.Status;

    public static IEnumerable<HypercallTraceEntry> OfRoot(IEnumerable<HypercallTraceEntry> trace) => trace.Where(e => e.Partition == Root);

    public static IEnumerable<HypercallTraceEntry> OfChildren(IEnumerable<HypercallTraceEntry> trace) => trace.Where(e => e.Partition.StartsWith("l2-guest-", System.StringComparison.Ordinal));

    public static string Describe(SimulationReport report) => string.Join("; ", report.Errors);

    /// <summary>One line per entry, every field of the entry (partition included).</summary>
    public static string Fingerprint(IEnumerable<HypercallTraceEntry> trace) =>
        string.Join('\n', trace.Select(e => $"{e.Time}|{e.Partition}|{e.Vp}|{e.HandledBy}|{e.Control.Value:X16}|{e.Result.Value:X16}|{e.Executions}"));
}
