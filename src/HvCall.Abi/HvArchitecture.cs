namespace HvCall.Abi;

/// <summary>The processor architecture whose hypercall calling convention applies.</summary>
/// <remarks>TLFS "Hypercall Interface", register conventions for x64 and ARM64 (SMCCC).</remarks>
public enum HvArchitecture
{
    /// <summary>x64: control in RCX, input in RDX, output in R8, result in RAX; VMCALL/VMMCALL.</summary>
    X64,
    /// <summary>ARM64: <c>HVC #0</c> with X0 = 0x46000001, control in X1, input X2, output X3, result X0.</summary>
    Arm64,
}
