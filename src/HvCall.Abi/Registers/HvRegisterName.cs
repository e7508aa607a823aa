namespace HvCall.Abi.Registers;

/// <summary>
/// <c>HV_REGISTER_NAME</c> values used with HvCallGetVpRegisters / HvCallSetVpRegisters; on ARM64 the
/// SynIC registers are reached only this way.
/// </summary>
/// <remarks>TLFS "Virtual Processor Register Names" and "Synthetic Interrupt Controller" (ARM64).</remarks>
public static class HvRegisterName
{
    /// <summary>HvRegisterGuestOsId.</summary>
    public const uint GuestOsId = 0x0009_0002;
    /// <summary>HvRegisterVpIndex.</summary>
    public const uint VpIndex = 0x0009_0003;
    /// <summary>HvRegisterSint0; SINTn is <c>Sint0 + n</c>.</summary>
    public const uint Sint0 = 0x000A_0000;
    /// <summary>HvRegisterSint15.</summary>
    public const uint Sint15 = 0x000A_000F;
    /// <summary>HvRegisterScontrol.</summary>
    public const uint Scontrol = 0x000A_0010;
    /// <summary>HvRegisterSversion.</summary>
    public const uint Sversion = 0x000A_0011;
    /// <summary>HvRegisterSifp (event flags page).</summary>
    public const uint Siefp = 0x000A_0012;
    /// <summary>HvRegisterSipp (message page).</summary>
    public const uint Simp = 0x000A_0013;
    /// <summary>HvRegisterEom.</summary>
    public const uint Eom = 0x000A_0014;
    /// <summary>HvRegisterSirbp.</summary>
    public const uint Sirbp = 0x000A_0015;

    /// <summary><c>HV_PARTITION_ID_SELF</c>: the calling partition.</summary>
    public const ulong PartitionSelf = 0xFFFF_FFFF_FFFF_FFFF;
    /// <summary><c>HV_VP_INDEX_SELF</c>: the calling virtual processor.</summary>
    public const uint VpIndexSelf = 0xFFFF_FFFE;
    /// <summary><c>HV_ANY_VP</c>: any virtual processor.</summary>
    public const uint AnyVp = 0xFFFF_FFFF;
}
