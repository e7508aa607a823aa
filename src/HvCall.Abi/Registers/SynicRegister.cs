namespace HvCall.Abi.Registers;

/// <summary>
/// A SynIC register, architecture-neutral. The value is the offset of the ARM64 register name from
/// <see cref="HvRegisterName.Sint0"/>.
/// </summary>
/// <remarks>TLFS "Synthetic Interrupt Controller", "SynIC MSRs".</remarks>
public enum SynicRegister : byte
{
    /// <summary>SINT0 (interception messages).</summary>
    Sint0 = 0,
    /// <summary>SINT1.</summary>
    Sint1,
    /// <summary>SINT2 (VMBus).</summary>
    Sint2,
    /// <summary>SINT3.</summary>
    Sint3,
    /// <summary>SINT4.</summary>
    Sint4,
    /// <summary>SINT5.</summary>
    Sint5,
    /// <summary>SINT6.</summary>
    Sint6,
    /// <summary>SINT7.</summary>
    Sint7,
    /// <summary>SINT8.</summary>
    Sint8,
    /// <summary>SINT9.</summary>
    Sint9,
    /// <summary>SINT10.</summary>
    Sint10,
    /// <summary>SINT11.</summary>
    Sint11,
    /// <summary>SINT12.</summary>
    Sint12,
    /// <summary>SINT13.</summary>
    Sint13,
    /// <summary>SINT14.</summary>
    Sint14,
    /// <summary>SINT15.</summary>
    Sint15,
    /// <summary>SCONTROL.</summary>
    Scontrol = 0x10,
    /// <summary>SVERSION.</summary>
    Sversion = 0x11,
    /// <summary>SIEFP.</summary>
    Siefp = 0x12,
    /// <summary>SIMP.</summary>
    Simp = 0x13,
    /// <summary>EOM.</summary>
    Eom = 0x14,
    /// <summary>SIRBP.</summary>
    Sirbp = 0x15,
}

/// <summary>Maps <see cref="SynicRegister"/> to x64 MSRs and ARM64 register names.</summary>
public static class SynicRegisters
{
    /// <summary>The SINTn register.</summary>
    /// <param name="n">0 to 15.</param>
    public static SynicRegister Sint(int n) => (SynicRegister)(n & 0xF);

    /// <summary>True for SINT0–SINT15.</summary>
    /// <param name="register">The register.</param>
    public static bool IsSint(this SynicRegister register) => register <= SynicRegister.Sint15;

    /// <summary>The x64 MSR of a SynIC register.</summary>
    /// <param name="register">The register.</param>
    public static uint X64Msr(this SynicRegister register) => register.IsSint()
        ? HvX64Msr.Sint0 + (uint)register
        : HvX64Msr.Scontrol + (uint)(register - SynicRegister.Scontrol);

    /// <summary>The ARM64 register name (<c>HV_REGISTER_NAME</c>) of a SynIC register.</summary>
    /// <param name="register">The register.</param>
    public static uint Arm64Name(this SynicRegister register) => HvRegisterName.Sint0 + (uint)register;

    /// <summary>
    /// True when a nested root reaches this register of the L0 hypervisor through a nested MSR
    /// (SCONTROL, SVERSION, SIEFP, SIMP, EOM and SINT0–15); SIRBP has no nested MSR.
    /// </summary>
    /// <param name="register">The register.</param>
    public static bool HasNestedMsr(this SynicRegister register) => register != SynicRegister.Sirbp;
}
