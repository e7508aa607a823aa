using System;
using System.Collections.Immutable;
using HvCall.Abi;
using HvCall.Simulation.Machines;

namespace HvCall.Fuzzing;

/// <summary>
/// One machine the fuzzer drives: topology, architecture of the guest partition and the host profile L0 answers as.
/// Every partition of the machine that can execute the hypercall instruction is a caller: on the flat machine L0's root
/// ("host", x64) and the guest; on the nested machine L0's root, the L1 VM (a guest of L0), L1's root partition (a nested
/// root: its calls with bit 31 are forwarded to L0) and an L2 guest of L1.
/// </summary>
/// <param name="Name">A short name for reports ("flat-x64").</param>
/// <param name="Topology">Flat or nested.</param>
/// <param name="Architecture">The guest partition's architecture (nested is x64-only).</param>
/// <param name="L0Profile">The host profile L0 answers as (<c>hyperv</c>, <c>kvm</c>, <c>kvm-relay</c>, <c>qemu</c>, <c>openvmm</c>).</param>
public sealed record FuzzConfiguration(string Name, Topology Topology, HvArchitecture Architecture, string L0Profile = "hyperv")
{
    /// <summary>
    /// The configurations a run covers by default: flat x64 and ARM64 and nested x64 on Hyper-V, then the other host
    /// profiles where they answer (KVM and QEMU are x86-only; OpenVMM answers on both).
    /// </summary>
    public static ImmutableArray<FuzzConfiguration> Standard { get; } =
    [
        new("flat-x64", Topology.Flat, HvArchitecture.X64),
        new("flat-arm64", Topology.Flat, HvArchitecture.Arm64),
        new("nested-x64", Topology.Nested, HvArchitecture.X64),
        new("flat-x64-kvm", Topology.Flat, HvArchitecture.X64, "kvm"),
        new("nested-x64-kvm-relay", Topology.Nested, HvArchitecture.X64, "kvm-relay"),
        new("flat-x64-qemu", Topology.Flat, HvArchitecture.X64, "qemu"),
        new("flat-arm64-openvmm", Topology.Flat, HvArchitecture.Arm64, "openvmm"),
        new("nested-x64-openvmm", Topology.Nested, HvArchitecture.X64, "openvmm"),
    ];

    /// <summary>The standard configurations whose architecture and topology match the filters (null matches all).</summary>
    /// <param name="architecture">x64 or ARM64, or null.</param>
    /// <param name="topology">Flat or nested, or null.</param>
    /// <param name="profile">A host profile name, or null.</param>
    public static ImmutableArray<FuzzConfiguration> Select(HvArchitecture? architecture, Topology? topology, string? profile) =>
        Standard.RemoveAll(c =>
            (architecture is { } a && c.Architecture != a) ||
            (topology is { } t && c.Topology != t) ||
            (profile is not null && !string.Equals(c.L0Profile, profile, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The name.</summary>
    public override string ToString() => Name;
}
