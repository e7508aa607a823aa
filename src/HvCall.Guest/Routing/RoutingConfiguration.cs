using System.Collections.Immutable;
using HvCall.Abi;
using HvCall.Abi.Cpuid;

namespace HvCall.Guest.Routing;

/// <summary>What early init decides about routing: the architecture and whether this partition is a nested root.</summary>
/// <param name="Architecture">The processor architecture.</param>
/// <param name="NestedRoot">True when this is a root partition whose hypervisor runs inside a Hyper-V VM.</param>
public sealed record RoutingConfiguration(HvArchitecture Architecture, bool NestedRoot)
{
    /// <summary>
    /// The codes to send nested when <see cref="NestedRoot"/> is set; default (unset) means the
    /// catalog's nested set (HvCallPostMessage, HvCallSignalEvent).
    /// </summary>
    public ImmutableArray<HvCallCode> NestedCodes { get; init; }

    /// <summary>A partition that is not a nested root.</summary>
    /// <param name="architecture">The processor architecture.</param>
    public static RoutingConfiguration Flat(HvArchitecture architecture) => new(architecture, NestedRoot: false);

    /// <summary>
    /// Detects the configuration from CPUID: on x64, leaf 0x40000004 EAX bit 12 ("hypervisor is nested
    /// within a Hyper-V partition"). ARM64 has no nested virtualization and is never a nested root.
    /// </summary>
    /// <param name="cpuid">The CPUID instruction.</param>
    /// <param name="architecture">The processor architecture.</param>
    /// <remarks>TLFS "Feature and Interface Discovery", "Implementation Recommendations".</remarks>
    public static RoutingConfiguration Detect(ICpuidInstruction cpuid, HvArchitecture architecture)
    {
        System.ArgumentNullException.ThrowIfNull(cpuid);
        if (architecture == HvArchitecture.Arm64)
            return Flat(architecture);
        return new(architecture, HvCpuid.IsNested(cpuid.Query(HvCpuid.EnlightenmentInfo)));
    }
}
