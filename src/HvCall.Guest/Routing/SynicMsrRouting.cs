using System.Runtime.CompilerServices;
using HvCall.Abi;
using HvCall.Abi.Registers;

namespace HvCall.Guest.Routing;

/// <summary>
/// Routes x64 SynIC MSR accesses: for a nested root, SCONTROL, SVERSION, SIEFP, SIMP, EOM and
/// SINT0–15 go to their nested MSRs (number + 0x1000), reaching the L0 hypervisor's SynIC; SIRBP,
/// the synthetic timers and every other MSR are unchanged. The same idea as the hypercall table: a
/// mask decided once at init, zero when not nested, applied without a branch.
/// </summary>
/// <remarks>TLFS "Nested Virtualization", nested SynIC MSRs (HV_X64_MSR_NESTED_*).</remarks>
public sealed class SynicMsrRouting
{
    // Bit n set: MSR 0x40000080 + n is redirected. Offsets 0–4 (SCONTROL..EOM) and 16–31 (SINT0–15).
    private const uint NestedOffsets = 0xFFFF_001F;

    private readonly uint _routedOffsets;

    private SynicMsrRouting(uint routedOffsets) => _routedOffsets = routedOffsets;

    /// <summary>Routing of a partition that is not a nested root: every MSR unchanged.</summary>
    public static SynicMsrRouting None { get; } = new(0);

    /// <summary>Routing for a configuration.</summary>
    /// <param name="configuration">The routing configuration decided at early init.</param>
    /// <exception cref="System.NotSupportedException">Nested routing requested on ARM64.</exception>
    public static SynicMsrRouting Create(RoutingConfiguration configuration)
    {
        System.ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.NestedRoot)
            return None;
        if (configuration.Architecture == HvArchitecture.Arm64)
            throw new System.NotSupportedException("Nested SynIC MSRs are x64-only: Hyper-V has no nested virtualization on ARM64.");
        return new SynicMsrRouting(NestedOffsets);
    }

    /// <summary>True when some MSR is redirected.</summary>
    public bool IsEnabled => _routedOffsets != 0;

    /// <summary>Every redirected MSR and where it goes, in ascending order (empty when not nested).</summary>
    public System.Collections.Generic.IReadOnlyList<(uint From, uint To)> Redirects
    {
        get
        {
            var redirects = new System.Collections.Generic.List<(uint From, uint To)>();
            for (var offset = 0; offset < 32; offset++)
            {
                if ((_routedOffsets & (1u << offset)) != 0)
                    redirects.Add((HvX64Msr.Scontrol + (uint)offset, HvX64Msr.Scontrol + (uint)offset + HvX64Msr.NestedOffset));
            }
            return redirects;
        }
    }

    /// <summary>The MSR to access for <paramref name="msr"/>.</summary>
    /// <param name="msr">The architectural MSR number.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Route(uint msr)
    {
        uint offset = msr - HvX64Msr.Scontrol;
        // 1 when offset < 32 (the 64-bit subtraction wraps), else 0.
        uint inRange = (uint)(((ulong)offset - 32) >> 63);
        uint bit = (_routedOffsets >> (int)(offset & 31)) & inRange;
        return msr + (bit * HvX64Msr.NestedOffset);
    }
}
