namespace HvCall.Abi.Cpuid;

/// <summary>The four registers a CPUID leaf returns.</summary>
/// <param name="Eax">EAX.</param>
/// <param name="Ebx">EBX.</param>
/// <param name="Ecx">ECX.</param>
/// <param name="Edx">EDX.</param>
public readonly record struct CpuidResult(uint Eax, uint Ebx, uint Ecx, uint Edx);

/// <summary>Hypervisor CPUID leaves and the bits HvCall reads from them.</summary>
/// <remarks>TLFS "Feature and Interface Discovery" and "Nested Virtualization".</remarks>
public static class HvCpuid
{
    /// <summary>0x40000000: maximum leaf in EAX, vendor "Microsoft Hv" in EBX:ECX:EDX.</summary>
    public const uint VendorAndMaxLeaf = 0x4000_0000;
    /// <summary>0x40000001: interface signature "Hv#1" (0x31237648) in EAX.</summary>
    public const uint Interface = 0x4000_0001;
    /// <summary>0x40000002: hypervisor version.</summary>
    public const uint Version = 0x4000_0002;
    /// <summary>0x40000003: partition privilege mask in EAX (low) and EBX (high), features in EDX.</summary>
    public const uint Features = 0x4000_0003;
    /// <summary>0x40000004: implementation recommendations (enlightenment information).</summary>
    public const uint EnlightenmentInfo = 0x4000_0004;
    /// <summary>0x40000005: implementation limits.</summary>
    public const uint ImplementationLimits = 0x4000_0005;
    /// <summary>0x40000006: hardware features in use.</summary>
    public const uint HardwareFeatures = 0x4000_0006;
    /// <summary>0x40000009: nested hypervisor feature identification.</summary>
    public const uint NestedHypervisorFeatures = 0x4000_0009;
    /// <summary>0x4000000A: nested virtualization features.</summary>
    public const uint NestedVirtualizationFeatures = 0x4000_000A;

    /// <summary>The interface signature "Hv#1" in 0x40000001 EAX.</summary>
    public const uint InterfaceSignature = 0x3123_7648;

    /// <summary>0x40000003 EDX bit 4: XMM registers may carry fast hypercall input.</summary>
    public const uint XmmHypercallInputEdx = 1u << 4;
    /// <summary>0x40000003 EDX bit 15: XMM registers may carry fast hypercall output.</summary>
    public const uint XmmHypercallOutputEdx = 1u << 15;
    /// <summary>0x40000003 EDX bit 17: SINT polling mode is available.</summary>
    public const uint SintPollingEdx = 1u << 17;

    /// <summary>0x40000004 EAX bit 2: use a hypercall for remote TLB flushes.</summary>
    public const uint RemoteTlbFlushRecommendedEax = 1u << 2;
    /// <summary>0x40000004 EAX bit 10: use HvCallSendSyntheticClusterIpi.</summary>
    public const uint ClusterIpiRecommendedEax = 1u << 10;
    /// <summary>0x40000004 EAX bit 11: use the extended processor masks.</summary>
    public const uint ExProcessorMasksRecommendedEax = 1u << 11;
    /// <summary>0x40000004 EAX bit 12: the hypervisor is nested within a Hyper-V partition.</summary>
    public const uint NestedHypervisorEax = 1u << 12;

    /// <summary>The partition privilege mask of leaf 0x40000003.</summary>
    /// <param name="features">The leaf's registers.</param>
    public static HvPartitionPrivileges Privileges(CpuidResult features) =>
        (HvPartitionPrivileges)(features.Eax | ((ulong)features.Ebx << 32));

    /// <summary>True when leaf 0x40000004 says the hypervisor is nested within a Hyper-V partition.</summary>
    /// <param name="enlightenmentInfo">The leaf's registers.</param>
    public static bool IsNested(CpuidResult enlightenmentInfo) => (enlightenmentInfo.Eax & NestedHypervisorEax) != 0;
}
