using System;
using HvCall.Abi;
using HvCall.Hypervisor.Profiles;

namespace HvCall.Simulation.Machines;

/// <summary>The shape of a simulated machine.</summary>
public enum Topology
{
    /// <summary>Our guest code runs in a guest partition directly on L0.</summary>
    Flat,
    /// <summary>L0 hosts an L1 VM running an L1 hypervisor, whose root partition runs our guest code (a nested root).</summary>
    Nested,
}

/// <summary>How the guest builds its nested routing table at early init.</summary>
public enum RoutingMode
{
    /// <summary>From CPUID, as a real guest does: nested when 0x40000004 EAX bit 12 is set.</summary>
    Auto,
    /// <summary>The routing table switched off (all zero) whatever CPUID says: the ablation that shows why it is needed.
    /// SynIC MSR routing still follows CPUID.</summary>
    None,
}

/// <summary>Options of a simulated machine; defaults give a one-VP x64 flat machine.</summary>
public sealed record MachineOptions
{
    /// <summary>Flat or nested.</summary>
    public Topology Topology { get; init; } = Topology.Flat;
    /// <summary>The architecture of the partition running our guest code (nested is x64-only).</summary>
    public HvArchitecture Architecture { get; init; } = HvArchitecture.X64;
    /// <summary>Virtual processors of the guest partition (1 to 64).</summary>
    public int VpCount { get; init; } = 1;
    /// <summary>Guest memory in bytes.</summary>
    public ulong MemorySize { get; init; } = 64UL << 20;
    /// <summary>The guest partition's privileges, or null for the defaults of its role (guest or root).</summary>
    public HvPartitionPrivileges? Privileges { get; init; }
    /// <summary>How the guest builds its routing table.</summary>
    public RoutingMode Routing { get; init; } = RoutingMode.Auto;
    /// <summary>The scheduler's seed.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Guest partitions of the L1 hypervisor next to the nested root (nested only); null for the default: 1 on nested, 0 on flat.</summary>
    public int? L2Guests { get; init; }
    /// <summary>The L2 guests the machine has: <see cref="L2Guests"/>, or its default for the topology.</summary>
    public int L2GuestCount => L2Guests ?? (Topology == Topology.Nested ? 1 : 0);
    /// <summary>The most L2 guests a machine may have.</summary>
    public const int MaxL2Guests = 16;
    /// <summary>Whether the machine records every hypercall guest code issues (on by default; benchmarks and long native runs turn it off).</summary>
    public bool Trace { get; init; } = true;
    /// <summary>Reps a hypervisor completes before continuing a rep call.</summary>
    public int RepsPerTimeSlice { get; init; } = 16;
    /// <summary>
    /// The host L0 answers hypercalls as (default <see cref="HostProfiles.Hyperv"/>; by name through
    /// <see cref="MachineBuilder.WithL0Profile(string)"/>, <c>l0=NAME</c> or <c>--l0 NAME</c>). On the nested machine L1
    /// stays a Microsoft hypervisor.
    /// </summary>
    /// <remarks>host-implementations.md §1.9; <see cref="HostProfiles.All"/> lists the named profiles.</remarks>
    public HostProfile L0Profile { get; init; } = HostProfiles.Hyperv;

    /// <summary>Checks the options; returns a one-line reason when they cannot make a machine.</summary>
    public string? Validate()
    {
        if (Topology == Topology.Nested && Architecture == HvArchitecture.Arm64)
            return "The nested topology is x64-only: Hyper-V has no nested virtualization on ARM64.";
        if (L0Profile is null)
            return $"An L0 host profile is required (profiles: {HostProfiles.NameList}).";
        if (!L0Profile.Supports(Architecture))
            return $"The {L0Profile.Name} host answers Hyper-V hypercalls on {string.Join(" and ", System.Linq.Enumerable.Select(L0Profile.Architectures, Spell))} only " +
                $"({L0Profile.Description}), not {Spell(Architecture)}.";
        if (L2Guests is > 0 && Topology == Topology.Flat)
            return "L2 guests need the nested topology: on a flat machine there is no L1 hypervisor to host them (use --topology nested, or --l2-guests 0).";
        if (L2Guests is < 0 or > MaxL2Guests)
            return $"A nested machine has 0 to {MaxL2Guests} L2 guests, not {L2Guests}.";
        if (VpCount is < 1 or > 64)
            return $"A partition has 1 to 64 virtual processors, not {VpCount}.";
        if (MemorySize < MinimumMemory || MemorySize % 4096 != 0 || MemorySize > Hypervisor.Memory.GuestMemory.MaxSize)
            return $"Guest memory must be a multiple of 4096 bytes, at least {MinimumMemory >> 20} MiB and at most {Hypervisor.Memory.GuestMemory.MaxSize >> 30} GiB.";
        return null;
    }

    private static string Spell(HvArchitecture architecture) => architecture == HvArchitecture.Arm64 ? "arm64" : "x64";

    /// <summary>The smallest guest memory the layout needs.</summary>
    public const ulong MinimumMemory = 4UL << 20;

    /// <summary>Throws when <see cref="Validate"/> finds a problem.</summary>
    /// <exception cref="ArgumentException">The options cannot make a machine.</exception>
    public void ThrowIfInvalid()
    {
        if (Validate() is { } problem)
            throw new ArgumentException(problem);
    }
}
