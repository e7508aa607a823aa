namespace HvCall.Abi.Registers;

/// <summary>Synthetic MSR numbers of the x64 Hyper-V interface.</summary>
/// <remarks>
/// TLFS "Synthetic Interrupt Controller", "Hypercall Interface" (hypercall page MSRs) and
/// "Nested Virtualization" (the nested SynIC MSRs: the L0 hypervisor's SynIC seen from a nested root).
/// </remarks>
public static class HvX64Msr
{
    /// <summary>HV_X64_MSR_GUEST_OS_ID: must be non-zero before hypercalls are allowed.</summary>
    public const uint GuestOsId = 0x4000_0000;
    /// <summary>HV_X64_MSR_HYPERCALL: hypercall page GPFN (63:12), locked (1), enable (0).</summary>
    public const uint Hypercall = 0x4000_0001;
    /// <summary>HV_X64_MSR_VP_INDEX: the VP's index (read-only).</summary>
    public const uint VpIndex = 0x4000_0002;
    /// <summary>HV_X64_MSR_SCONTROL: SynIC control, bit 0 enable.</summary>
    public const uint Scontrol = 0x4000_0080;
    /// <summary>HV_X64_MSR_SVERSION: SynIC version, read-only, value 1.</summary>
    public const uint Sversion = 0x4000_0081;
    /// <summary>HV_X64_MSR_SIEFP: event flags page, bit 0 enable, 63:12 GPFN.</summary>
    public const uint Siefp = 0x4000_0082;
    /// <summary>HV_X64_MSR_SIMP: message page, bit 0 enable, 63:12 GPFN.</summary>
    public const uint Simp = 0x4000_0083;
    /// <summary>HV_X64_MSR_EOM: end of message, write-only trigger.</summary>
    public const uint Eom = 0x4000_0084;
    /// <summary>HV_X64_MSR_SIRBP: interrupt redirection base page.</summary>
    public const uint Sirbp = 0x4000_0085;
    /// <summary>HV_X64_MSR_SINT0; SINTn is <c>Sint0 + n</c> for n in 0..15.</summary>
    public const uint Sint0 = 0x4000_0090;
    /// <summary>HV_X64_MSR_SINT15.</summary>
    public const uint Sint15 = 0x4000_009F;
    /// <summary>HV_X64_MSR_STIMER0_CONFIG; STIMERn_CONFIG is <c>Stimer0Config + 2n</c>.</summary>
    public const uint Stimer0Config = 0x4000_00B0;
    /// <summary>HV_X64_MSR_STIMER0_COUNT; STIMERn_COUNT is <c>Stimer0Count + 2n</c>.</summary>
    public const uint Stimer0Count = 0x4000_00B1;

    /// <summary>Distance between a SynIC MSR and its nested counterpart.</summary>
    public const uint NestedOffset = 0x1000;
    /// <summary>HV_X64_MSR_NESTED_VP_INDEX: the VP index in the L0 hypervisor.</summary>
    public const uint NestedVpIndex = 0x4000_1002;
    /// <summary>HV_X64_MSR_NESTED_SCONTROL.</summary>
    public const uint NestedScontrol = Scontrol + NestedOffset;
    /// <summary>HV_X64_MSR_NESTED_SVERSION.</summary>
    public const uint NestedSversion = Sversion + NestedOffset;
    /// <summary>HV_X64_MSR_NESTED_SIEFP.</summary>
    public const uint NestedSiefp = Siefp + NestedOffset;
    /// <summary>HV_X64_MSR_NESTED_SIMP.</summary>
    public const uint NestedSimp = Simp + NestedOffset;
    /// <summary>HV_X64_MSR_NESTED_EOM.</summary>
    public const uint NestedEom = Eom + NestedOffset;
    /// <summary>HV_X64_MSR_NESTED_SINT0; nested SINTn is <c>NestedSint0 + n</c>.</summary>
    public const uint NestedSint0 = Sint0 + NestedOffset;

    /// <summary>The SINTn MSR.</summary>
    /// <param name="n">0 to 15.</param>
    public static uint Sint(int n) => Sint0 + (uint)(n & 0xF);

    /// <summary>The STIMERn_CONFIG MSR.</summary>
    /// <param name="n">0 to 3.</param>
    public static uint StimerConfig(int n) => Stimer0Config + 2u * (uint)(n & 3);

    /// <summary>The STIMERn_COUNT MSR.</summary>
    /// <param name="n">0 to 3.</param>
    public static uint StimerCount(int n) => Stimer0Count + 2u * (uint)(n & 3);
}
