using System.Collections.Generic;
using HvCall.Guest.Routing;
using HvCall.Hypervisor.Partitions;
using HvCall.Simulation.Scheduling;

namespace HvCall.Simulation.Machines;

/// <summary>
/// Guest code's view of one partition after its early init: its VPs with their issuing functions and SynIC access,
/// the routing it decided from CPUID, and its page allocator. The flat guest, the nested root and each L2 guest
/// have one; the same guest code runs on any of them.
/// </summary>
public sealed class GuestSystem
{
    private readonly List<GuestVp> _vps = [];

    // The guest's early init: discover nesting through CPUID on the boot VP, build both routing tables once,
    // then give every VP its issuing functions and SynIC access.
    internal GuestSystem(Partition partition, RoutingMode mode, VirtualClock clock, ulong seed)
    {
        Partition = partition;
        var processors = new List<SimulatedProcessor>();
        foreach (var vp in partition.VirtualProcessors)
            processors.Add(new SimulatedProcessor(vp, clock));
        var detected = RoutingConfiguration.Detect(processors[0], partition.Architecture);
        Routing = mode == RoutingMode.None ? RoutingConfiguration.Flat(partition.Architecture) : detected;
        var routing = NestedRouting.Create(Routing);
        var msrRouting = SynicMsrRouting.Create(detected);
        foreach (var processor in processors)
            _vps.Add(new GuestVp(processor, routing, msrRouting));
        Pages = new GuestPageAllocator(partition.Memory, seed);
    }

    /// <summary>The partition.</summary>
    public Partition Partition { get; }

    /// <summary>The partition's name ("guest", "root", "l2-guest-0", …).</summary>
    public string Name => Partition.Name;

    /// <summary>The routing configuration the guest decided at early init.</summary>
    public RoutingConfiguration Routing { get; }

    /// <summary>The VPs as guest code sees them.</summary>
    public IReadOnlyList<GuestVp> Vps => _vps;

    /// <summary>The allocator of ring-buffer pages.</summary>
    public GuestPageAllocator Pages { get; }
}
