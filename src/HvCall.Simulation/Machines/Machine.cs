using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Guest.Routing;
using HvCall.Hypervisor;
using HvCall.Hypervisor.Partitions;
using HvCall.Simulation.Scheduling;
using HvCall.Tracing;

namespace HvCall.Simulation.Machines;

/// <summary>
/// A simulated machine: L0 with its root (host) partition, and either a guest partition running our
/// guest code (flat) or an L1 VM running an L1 hypervisor whose root partition runs it (nested), next to
/// the L1 hypervisor's own guest partitions (L2 guests), which run the same guest code.
/// </summary>
/// <remarks>
/// <code>
/// flat:    L0 ── host (root) ── guest  ← guest code
/// nested:  L0 ── host (root) ── l1-vm ── L1 ─┬─ root ← guest code (GPAs = l1-vm GPAs)
///                                            └─ l2-guest-0 … ← guest code
/// </code>
/// L0 answers hypercalls as <see cref="MachineOptions.L0Profile"/> (default Hyper-V; host-implementations.md §1.9);
/// L1 is always a Microsoft hypervisor, which hands its root's nested-bit calls to L0 with bit 31 for L0's profile to judge.
/// </remarks>
public sealed class Machine
{
    private readonly List<GuestSystem> _l2Guests = [];

    private Machine(MachineOptions options)
    {
        Options = options;
        Scheduler = new Scheduler(options.Seed);
        L0 = new HvHypervisor("L0") { Profile = options.L0Profile };
        L0.Dispatcher.RepsPerTimeSlice = options.RepsPerTimeSlice;
        Host = L0.CreatePartition(new PartitionConfiguration("host", HvArchitecture.X64, 1, MachineOptions.MinimumMemory, PartitionConfiguration.RootDefault) { IsRoot = true });
        if (options.Topology == Topology.Flat)
        {
            Guest = L0.CreatePartition(new PartitionConfiguration("guest", options.Architecture, options.VpCount, options.MemorySize,
                options.Privileges ?? PartitionConfiguration.GuestDefault));
            VmBusPartition = Guest;
        }
        else
        {
            L1Vm = L0.CreatePartition(new PartitionConfiguration("l1-vm", HvArchitecture.X64, options.VpCount, options.MemorySize,
                PartitionConfiguration.GuestDefault) { GuestOsId = MicrosoftHypervisorGuestOsId });
            L1 = new HvHypervisor("L1", L1Vm);
            L1.Dispatcher.RepsPerTimeSlice = options.RepsPerTimeSlice;
            Guest = L1.CreatePartition(new PartitionConfiguration("root", HvArchitecture.X64, options.VpCount, options.MemorySize,
                options.Privileges ?? PartitionConfiguration.RootDefault) { IsRoot = true, SharedMemory = L1Vm.Memory });
            VmBusPartition = L1Vm;
        }
        Events = new TraceStream(Scheduler.Clock);
        L0.Trace = Events;
        if (L1 is not null)
            L1.Trace = Events;
        Trace = new HypercallTrace(Events);
        if (options.Trace)
            Events.Attach(Trace);
        Primary = new GuestSystem(Guest, options.Routing, Scheduler.Clock, options.Seed);
        for (var i = 0; i < options.L2GuestCount; i++)
        {
            var child = L1!.CreatePartition(new PartitionConfiguration($"l2-guest-{i}", HvArchitecture.X64, options.VpCount, options.MemorySize,
                PartitionConfiguration.GuestDefault));
            _l2Guests.Add(new GuestSystem(child, RoutingMode.Auto, Scheduler.Clock, options.Seed + 1 + (ulong)i));
        }
    }

    /// <summary>The guest OS id an L1 Microsoft hypervisor reports to L0 (proprietary encoding, vendor Microsoft).</summary>
    public const ulong MicrosoftHypervisorGuestOsId = 0x0001_0000_0A00_0000;

    /// <summary>The options the machine was built from.</summary>
    public MachineOptions Options { get; }

    /// <summary>The hypervisor on hardware.</summary>
    public HvHypervisor L0 { get; }

    /// <summary>The L1 hypervisor (nested only).</summary>
    public HvHypervisor? L1 { get; }

    /// <summary>L0's root partition, where host endpoints such as the VMBus server run.</summary>
    public Partition Host { get; }

    /// <summary>The L0 partition running the L1 hypervisor (nested only).</summary>
    public Partition? L1Vm { get; }

    /// <summary>The partition running our guest code: the flat guest, or L1's root.</summary>
    public Partition Guest { get; }

    /// <summary>The L0 partition the VMBus host serves: the flat guest, or the L1 VM.</summary>
    public Partition VmBusPartition { get; }

    /// <summary>The deterministic scheduler.</summary>
    public Scheduler Scheduler { get; }

    /// <summary>
    /// The machine's one event stream: both hypervisors, their SynICs and the VMBus endpoints emit into it, stamped
    /// with the virtual clock. Attach a sink (a KVM-format log, a Perfetto timeline) to listen.
    /// </summary>
    public TraceStream Events { get; }

    /// <summary>Every hypercall the guest code issued, a view of <see cref="Events"/> (empty when
    /// <see cref="MachineOptions.Trace"/> is off).</summary>
    public HypercallTrace Trace { get; }

    /// <summary>Guest code's view of <see cref="Guest"/>: the flat guest, or the nested root.</summary>
    public GuestSystem Primary { get; }

    /// <summary>The routing configuration the guest decided at early init.</summary>
    public RoutingConfiguration Routing => Primary.Routing;

    /// <summary>The guest's allocator of ring-buffer pages (seeded by the machine's seed).</summary>
    public GuestPageAllocator GuestPages => Primary.Pages;

    /// <summary>The guest's VPs as guest code sees them.</summary>
    public IReadOnlyList<GuestVp> GuestVps => Primary.Vps;

    /// <summary>The L1 hypervisor's guest partitions (nested only), each running the same guest code with an all-zero routing table.</summary>
    public IReadOnlyList<GuestSystem> L2Guests => _l2Guests;

    /// <summary>Builds a machine.</summary>
    /// <param name="options">The options.</param>
    /// <exception cref="System.ArgumentException">The options cannot make a machine (see <see cref="MachineOptions.Validate"/>).</exception>
    public static Machine Build(MachineOptions options)
    {
        System.ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        return new Machine(options);
    }

    /// <summary>A builder for custom machines.</summary>
    public static MachineBuilder Builder() => new();
}

/// <summary>Builds custom machines: topology, architecture, VP count, privileges, memory, L0's host profile.</summary>
public sealed class MachineBuilder
{
    private MachineOptions _options = new();

    /// <summary>Sets the topology.</summary>
    /// <param name="topology">Flat or nested.</param>
    public MachineBuilder WithTopology(Topology topology) { _options = _options with { Topology = topology }; return this; }

    /// <summary>Sets the guest architecture.</summary>
    /// <param name="architecture">x64 or ARM64.</param>
    public MachineBuilder WithArchitecture(HvArchitecture architecture) { _options = _options with { Architecture = architecture }; return this; }

    /// <summary>Sets the guest VP count.</summary>
    /// <param name="count">1 to 64.</param>
    public MachineBuilder WithVps(int count) { _options = _options with { VpCount = count }; return this; }

    /// <summary>Sets the guest partition's privileges.</summary>
    /// <param name="privileges">The privilege mask.</param>
    public MachineBuilder WithPrivileges(HvPartitionPrivileges privileges) { _options = _options with { Privileges = privileges }; return this; }

    /// <summary>Sets the guest memory size.</summary>
    /// <param name="bytes">Bytes, a multiple of 4096, at least 4 MiB.</param>
    public MachineBuilder WithMemory(ulong bytes) { _options = _options with { MemorySize = bytes }; return this; }

    /// <summary>Sets the number of L2 guests on the nested machine's L1 hypervisor.</summary>
    /// <param name="count">0 to <see cref="MachineOptions.MaxL2Guests"/>; nested topology only.</param>
    public MachineBuilder WithL2Guests(int count) { _options = _options with { L2Guests = count }; return this; }

    /// <summary>Sets the routing mode.</summary>
    /// <param name="routing">Auto or none.</param>
    public MachineBuilder WithRouting(RoutingMode routing) { _options = _options with { Routing = routing }; return this; }

    /// <summary>Sets the scheduler seed.</summary>
    /// <param name="seed">The seed.</param>
    public MachineBuilder WithSeed(ulong seed) { _options = _options with { Seed = seed }; return this; }

    /// <summary>Sets the host L0 answers hypercalls as.</summary>
    /// <param name="profile">A profile, such as <see cref="HvCall.Hypervisor.Profiles.HostProfiles.Kvm"/>.</param>
    public MachineBuilder WithL0Profile(HvCall.Hypervisor.Profiles.HostProfile profile) { _options = _options with { L0Profile = profile }; return this; }

    /// <summary>Sets the host L0 answers hypercalls as, by name (<c>hyperv</c>, <c>kvm</c>, <c>kvm-relay</c>, <c>qemu</c>, <c>openvmm</c>).</summary>
    /// <param name="name">The profile's name, case-insensitive.</param>
    /// <exception cref="System.ArgumentException">No profile has that name.</exception>
    public MachineBuilder WithL0Profile(string name) => WithL0Profile(HvCall.Hypervisor.Profiles.HostProfiles.Get(name));

    /// <summary>Sets the reps per time slice of the hypervisors.</summary>
    /// <param name="reps">At least 1.</param>
    public MachineBuilder WithRepsPerTimeSlice(int reps) { _options = _options with { RepsPerTimeSlice = reps }; return this; }

    /// <summary>Builds the machine.</summary>
    public Machine Build() => Machine.Build(_options);
}
