using HvCall.Abi;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Tracing;

namespace HvCall.Hypervisor;

public sealed partial class HvHypervisor
{
    /// <summary>The RDMSR trap for a synthetic MSR.</summary>
    /// <param name="vp">The reading VP.</param>
    /// <param name="msr">The MSR number.</param>
    /// <param name="value">The value read (0 on a fault).</param>
    /// <returns><see cref="VpFault.None"/>, or the #GP a real processor raises: unknown MSR, missing
    /// privilege, write-only register, ARM64 (no MSRs), or a nested MSR outside a nested root.</returns>
    /// <remarks>TLFS "Synthetic MSRs", "SynIC MSRs" and "Nested Virtualization" (nested SynIC MSRs).</remarks>
    public VpFault ReadMsr(VirtualProcessor vp, uint msr, out ulong value)
    {
        System.ArgumentNullException.ThrowIfNull(vp);
        var routed = IsNestedMsr(msr) && CanForwardNested(vp);
        var fault = routed
            ? Parent!.ReadOwnMsr(HostVp(vp), msr - HvX64Msr.NestedOffset, out value)
            : ReadOwnMsr(vp, msr, out value);
        TraceMsr(TraceEventKind.MsrRead, vp, msr, value, fault, routed);
        return fault;
    }

    private VpFault ReadOwnMsr(VirtualProcessor vp, uint msr, out ulong value)
    {
        value = 0;
        if (vp.Architecture != HvArchitecture.X64 || IsNestedMsr(msr))
            return VpFault.GeneralProtection;
        var partition = vp.Partition;
        switch (msr)
        {
            case HvX64Msr.GuestOsId when partition.Has(HvPartitionPrivileges.AccessHypercallMsrs):
                value = partition.GuestOsId;
                return VpFault.None;
            case HvX64Msr.Hypercall when partition.Has(HvPartitionPrivileges.AccessHypercallMsrs):
                value = partition.HypercallMsr;
                return VpFault.None;
            case HvX64Msr.VpIndex when partition.Has(HvPartitionPrivileges.AccessVpIndex):
                value = vp.Index;
                return VpFault.None;
        }
        if (TrySynicRegister(msr, out var register) && partition.Has(HvPartitionPrivileges.AccessSynicRegs))
            return vp.Synic.TryRead(register, out value) ? VpFault.None : VpFault.GeneralProtection;
        return VpFault.GeneralProtection;
    }

    /// <summary>The WRMSR trap for a synthetic MSR.</summary>
    /// <param name="vp">The writing VP.</param>
    /// <param name="msr">The MSR number.</param>
    /// <param name="value">The value.</param>
    /// <returns><see cref="VpFault.None"/>, or #GP: unknown MSR, missing privilege, read-only register
    /// (VP_INDEX, SVERSION), a SINT value with an unmasked vector below 16 (reserved SINT bits are RsvdP and
    /// kept), a hypercall page outside guest memory, ARM64, or a nested MSR outside a nested root.</returns>
    public VpFault WriteMsr(VirtualProcessor vp, uint msr, ulong value)
    {
        System.ArgumentNullException.ThrowIfNull(vp);
        var routed = IsNestedMsr(msr) && CanForwardNested(vp);
        var fault = routed
            ? Parent!.WriteOwnMsr(HostVp(vp), msr - HvX64Msr.NestedOffset, value)
            : WriteOwnMsr(vp, msr, value);
        TraceMsr(TraceEventKind.MsrWrite, vp, msr, value, fault, routed);
        return fault;
    }

    private VpFault WriteOwnMsr(VirtualProcessor vp, uint msr, ulong value)
    {
        if (vp.Architecture != HvArchitecture.X64 || IsNestedMsr(msr))
            return VpFault.GeneralProtection;
        var partition = vp.Partition;
        switch (msr)
        {
            case HvX64Msr.GuestOsId when partition.Has(HvPartitionPrivileges.AccessHypercallMsrs):
                partition.GuestOsId = value; // zero also disables the hypercall page (Partition.GuestOsId)
                return VpFault.None;
            case HvX64Msr.Hypercall when partition.Has(HvPartitionPrivileges.AccessHypercallMsrs):
                if ((value & ~0xFFFUL) >= partition.Memory.Size)
                    return VpFault.GeneralProtection;
                // Enabling without a guest OS id silently leaves the page disabled.
                partition.HypercallMsr = partition.GuestOsId == 0 ? value & ~Partition.HypercallPageEnableBit : value;
                return VpFault.None;
        }
        if (TrySynicRegister(msr, out var register) && partition.Has(HvPartitionPrivileges.AccessSynicRegs))
            return vp.Synic.TryWrite(register, value) ? VpFault.None : VpFault.GeneralProtection;
        return VpFault.GeneralProtection;
    }

    private static bool IsNestedMsr(uint msr) =>
        msr == HvX64Msr.NestedVpIndex ||
        msr is >= HvX64Msr.NestedScontrol and <= HvX64Msr.NestedEom ||
        msr is >= HvX64Msr.NestedSint0 and <= HvX64Msr.NestedSint0 + 15;

    private static bool TrySynicRegister(uint msr, out SynicRegister register)
    {
        if (msr is >= HvX64Msr.Sint0 and <= HvX64Msr.Sint15)
        {
            register = (SynicRegister)(msr - HvX64Msr.Sint0);
            return true;
        }
        if (msr is >= HvX64Msr.Scontrol and <= HvX64Msr.Sirbp)
        {
            register = SynicRegister.Scontrol + (byte)(msr - HvX64Msr.Scontrol);
            return true;
        }
        register = default;
        return false;
    }
}
