using HvCall.Abi;
using HvCall.Abi.Registers;
using HvCall.Guest.Routing;

namespace HvCall.Guest.Synic;

/// <summary>
/// Reads and writes this VP's SynIC registers. On x64 through RDMSR/WRMSR with
/// <see cref="SynicMsrRouting"/> applied, so a nested root reaches the L0 hypervisor's SynIC through
/// the nested MSRs without any call site testing for nesting; on ARM64 through HvCallGetVpRegisters
/// and HvCallSetVpRegisters.
/// </summary>
/// <remarks>TLFS "Synthetic Interrupt Controller" and "Nested Virtualization" (nested SynIC MSRs).</remarks>
public sealed class SynicRegisterAccess
{
    private readonly IMsrInstructions? _msrs;
    private readonly SynicMsrRouting _routing;
    private readonly Hypercalls? _hypercalls;

    private SynicRegisterAccess(IMsrInstructions? msrs, SynicMsrRouting routing, Hypercalls? hypercalls)
    {
        _msrs = msrs;
        _routing = routing;
        _hypercalls = hypercalls;
    }

    /// <summary>Access through MSRs (x64).</summary>
    /// <param name="msrs">The MSR instructions of this VP.</param>
    /// <param name="routing">The MSR routing decided at early init.</param>
    public static SynicRegisterAccess ForX64(IMsrInstructions msrs, SynicMsrRouting routing)
    {
        System.ArgumentNullException.ThrowIfNull(msrs);
        System.ArgumentNullException.ThrowIfNull(routing);
        return new(msrs, routing, null);
    }

    /// <summary>Access through HvCallGetVpRegisters / HvCallSetVpRegisters (ARM64).</summary>
    /// <param name="hypercalls">This VP's issuing functions.</param>
    public static SynicRegisterAccess ForArm64(Hypercalls hypercalls)
    {
        System.ArgumentNullException.ThrowIfNull(hypercalls);
        return new(null, SynicMsrRouting.None, hypercalls);
    }

    /// <summary>The architecture of this access path.</summary>
    public HvArchitecture Architecture => _msrs is null ? HvArchitecture.Arm64 : HvArchitecture.X64;

    /// <summary>The MSR an access to <paramref name="register"/> uses (x64).</summary>
    /// <param name="register">The SynIC register.</param>
    public uint MsrFor(SynicRegister register) => _routing.Route(register.X64Msr());

    /// <summary>Reads a SynIC register, routed.</summary>
    /// <param name="register">The register.</param>
    /// <param name="value">The value read.</param>
    /// <returns>False when the access faults (x64 #GP) or the hypercall fails (ARM64).</returns>
    public bool TryRead(SynicRegister register, out ulong value) => _msrs is null
        ? TryGetVpRegister(register.Arm64Name(), out value)
        : _msrs.TryRead(MsrFor(register), out value);

    /// <summary>Writes a SynIC register, routed.</summary>
    /// <param name="register">The register.</param>
    /// <param name="value">The value.</param>
    /// <returns>False when the access faults (x64 #GP) or the hypercall fails (ARM64).</returns>
    public bool TryWrite(SynicRegister register, ulong value) => _msrs is null
        ? _hypercalls!.SetVpRegister(register.Arm64Name(), value).IsSuccess
        : _msrs.TryWrite(MsrFor(register), value);

    /// <summary>Reads a SynIC register of the hypervisor this partition runs on, never the parent's (Linux <c>hv_get_non_nested_msr</c>).</summary>
    /// <param name="register">The register.</param>
    /// <param name="value">The value read.</param>
    /// <returns>False when the access faults.</returns>
    public bool TryReadNonNested(SynicRegister register, out ulong value) => _msrs is null
        ? TryGetVpRegister(register.Arm64Name(), out value)
        : _msrs.TryRead(register.X64Msr(), out value);

    /// <summary>Writes a SynIC register of the hypervisor this partition runs on, never the parent's (Linux <c>hv_set_non_nested_msr</c>).</summary>
    /// <param name="register">The register.</param>
    /// <param name="value">The value.</param>
    /// <returns>False when the access faults.</returns>
    public bool TryWriteNonNested(SynicRegister register, ulong value) => _msrs is null
        ? _hypercalls!.SetVpRegister(register.Arm64Name(), value).IsSuccess
        : _msrs.TryWrite(register.X64Msr(), value);

    /// <summary>Reads any synthetic MSR with routing applied (x64); STIMERs, SIRBP and others pass unchanged.</summary>
    /// <param name="msr">The architectural MSR number.</param>
    /// <param name="value">The value read.</param>
    /// <returns>False when the access faults.</returns>
    /// <exception cref="System.NotSupportedException">On ARM64, which has no MSRs.</exception>
    public bool TryReadMsr(uint msr, out ulong value) =>
        (_msrs ?? throw new System.NotSupportedException("ARM64 has no MSRs; use TryRead with a SynicRegister.")).TryRead(_routing.Route(msr), out value);

    /// <summary>Writes any synthetic MSR with routing applied (x64).</summary>
    /// <param name="msr">The architectural MSR number.</param>
    /// <param name="value">The value.</param>
    /// <returns>False when the access faults.</returns>
    /// <exception cref="System.NotSupportedException">On ARM64, which has no MSRs.</exception>
    public bool TryWriteMsr(uint msr, ulong value) =>
        (_msrs ?? throw new System.NotSupportedException("ARM64 has no MSRs; use TryWrite with a SynicRegister.")).TryWrite(_routing.Route(msr), value);

    /// <summary>Reads a SynIC register, routed.</summary>
    /// <param name="register">The register.</param>
    /// <exception cref="HvGuestException">The access faulted or the hypercall failed.</exception>
    public ulong Read(SynicRegister register) =>
        TryRead(register, out var value) ? value : throw new HvGuestException($"Reading SynIC register {register} failed ({Describe(register)}).");

    /// <summary>Writes a SynIC register, routed.</summary>
    /// <param name="register">The register.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="HvGuestException">The access faulted or the hypercall failed.</exception>
    public void Write(SynicRegister register, ulong value)
    {
        if (!TryWrite(register, value))
            throw new HvGuestException($"Writing 0x{value:X} to SynIC register {register} failed ({Describe(register)}).");
    }

    private string Describe(SynicRegister register) => _msrs is null
        ? $"register name 0x{register.Arm64Name():X8}"
        : $"#GP on MSR 0x{MsrFor(register):X8}";

    private bool TryGetVpRegister(uint name, out ulong value)
    {
        var result = _hypercalls!.GetVpRegister(name, out var wide);
        value = (ulong)wide;
        return result.IsSuccess;
    }
}
