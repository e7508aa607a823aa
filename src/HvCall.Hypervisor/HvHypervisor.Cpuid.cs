using HvCall.Abi;
using HvCall.Abi.Cpuid;
using HvCall.Hypervisor.Processors;

namespace HvCall.Hypervisor;

public sealed partial class HvHypervisor
{
    /// <summary>
    /// The CPUID trap for the hypervisor leaves 0x40000000–0x40000004, as this hypervisor answers them to
    /// <paramref name="vp"/>: vendor "Microsoft Hv" and the highest leaf, the "Hv#1" interface, the partition's
    /// privilege mask and XMM fast-call features, and the enlightenment info whose EAX bit 12 tells the root partition
    /// of a nested hypervisor that it is nested. Any other leaf reads as zero here.
    /// </summary>
    /// <param name="vp">The VP executing CPUID.</param>
    /// <param name="leaf">EAX on entry.</param>
    /// <param name="subleaf">ECX on entry (unused by these leaves).</param>
    /// <returns>EAX, EBX, ECX, EDX.</returns>
    /// <remarks>TLFS "Hypervisor Discovery" and "Feature and Interface Discovery"; hyperv-abi.md §9.</remarks>
    public CpuidResult Cpuid(VirtualProcessor vp, uint leaf, uint subleaf = 0)
    {
        System.ArgumentNullException.ThrowIfNull(vp);
        var partition = vp.Partition;
        return leaf switch
        {
            HvCpuid.VendorAndMaxLeaf => new(HvCpuid.NestedVirtualizationFeatures, 0x7263_694D, 0x666F_736F, 0x7648_2074),
            HvCpuid.Interface => new(HvCpuid.InterfaceSignature, 0, 0, 0),
            HvCpuid.Features => new((uint)partition.Privileges, (uint)((ulong)partition.Privileges >> 32), 0,
                HvCpuid.XmmHypercallInputEdx | HvCpuid.XmmHypercallOutputEdx),
            HvCpuid.EnlightenmentInfo => new(partition.IsRoot && Parent is not null ? HvCpuid.NestedHypervisorEax : 0, 0xFFFF_FFFF, 0, 0),
            _ => default,
        };
    }
}
