using HvCall.Abi;

namespace HvCall.Guest;

/// <summary>
/// The seam between the issuing side and whatever executes the hypercall instruction (VMCALL/VMMCALL
/// on x64, <c>HVC #0</c> on ARM64): a simulated virtual processor, a recording fake, or a real
/// hypercall page.
/// </summary>
/// <remarks>
/// Like the instruction, <see cref="Execute"/> completes the call: a rep call cut short by the
/// hypervisor (TLFS "Hypercall Continuation") is re-executed by the processor until the instruction
/// pointer moves on, so the caller sees only the final result. Implementations must not allocate.
/// </remarks>
public interface IHypercallInstruction
{
    /// <summary>The architecture whose register convention <see cref="Execute"/> follows.</summary>
    HvArchitecture Architecture { get; }

    /// <summary>Executes the hypercall instruction with <paramref name="registers"/>; on return the
    /// result slot and any fast output slots hold what the hypervisor wrote.</summary>
    /// <param name="registers">The register block (see <see cref="HypercallRegisters"/> for the slot map).</param>
    void Execute(ref HypercallRegisters registers);
}

/// <summary>The instructions that read and write model-specific registers (RDMSR/WRMSR, x64 only).</summary>
/// <remarks>A <see langword="false"/> return is the #GP a real processor would raise.</remarks>
public interface IMsrInstructions
{
    /// <summary>RDMSR.</summary>
    /// <param name="msr">The MSR number.</param>
    /// <param name="value">The value read.</param>
    /// <returns>False when the access faults.</returns>
    bool TryRead(uint msr, out ulong value);

    /// <summary>WRMSR.</summary>
    /// <param name="msr">The MSR number.</param>
    /// <param name="value">The value to write.</param>
    /// <returns>False when the access faults.</returns>
    bool TryWrite(uint msr, ulong value);
}

/// <summary>The CPUID instruction, for feature and nesting discovery.</summary>
public interface ICpuidInstruction
{
    /// <summary>Executes CPUID.</summary>
    /// <param name="leaf">EAX on entry.</param>
    /// <param name="subleaf">ECX on entry.</param>
    Abi.Cpuid.CpuidResult Query(uint leaf, uint subleaf = 0);
}
