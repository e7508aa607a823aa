using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Msrs;

/// <summary>
/// Synthetic MSRs (facts §7, host-implementations §1.11/§2.4, KVM <c>guest_test_msrs_access()</c>'s pattern
/// "#GP until the privilege is granted; read-only MSRs #GP on write") and the #UD of a hypercall issued before
/// the guest has identified itself.
/// </summary>
public sealed class SyntheticMsrTests
{
    private static TestMachine X64(HvPartitionPrivileges privileges = PartitionConfiguration.GuestDefault, ulong guestOsId = TestMachine.GuestOsIdValue) =>
        TestMachine.Create(HvArchitecture.X64, privileges, guestOsId: guestOsId);

    private static ulong Read(TestMachine m, uint msr, VirtualProcessor? vp = null)
    {
        Assert.Equal(VpFault.None, m.Hv.ReadMsr(vp ?? m.Vp, msr, out var value));
        return value;
    }

    [Fact]
    public void Sversion_reads_1_and_is_read_only()
    {
        var m = X64();
        Assert.Equal(1UL, Read(m, Msr.Sversion));
        Assert.Equal(VpFault.GeneralProtection, m.Hv.WriteMsr(m.Vp, Msr.Sversion, 1));
    }

    [Fact]
    public void Vp_index_reads_the_vp_index_and_is_read_only()
    {
        var m = X64();
        Assert.Equal(0UL, Read(m, Msr.VpIndex));
        Assert.Equal(1UL, Read(m, Msr.VpIndex, m.Guest.VirtualProcessors[1]));
        Assert.Equal(VpFault.GeneralProtection, m.Hv.WriteMsr(m.Vp, Msr.VpIndex, 5));
        Assert.Equal(0UL, Read(m, Msr.VpIndex));
    }

    [Fact]
    public void Every_sint_resets_to_masked_0x10000()
    {
        var m = X64();
        for (var n = 0; n < 16; n++)
            Assert.Equal(0x10000UL, Read(m, Msr.Sint(n)));
    }

    [Theory]
    [InlineData(0x0FUL, false)]          // unmasked vector below 16
    [InlineData(0x00UL, false)]
    [InlineData(0x1_000FUL, true)]       // masked: any vector
    [InlineData(0x10UL, true)]           // lowest valid vector
    [InlineData(0xFFUL, true)]
    [InlineData(0x2_0030UL, true)]       // auto EOI
    public void Sint_write_with_unmasked_vector_below_16_is_GP_and_leaves_the_register(ulong value, bool accepted)
    {
        var m = X64();
        var fault = m.Hv.WriteMsr(m.Vp, Msr.Sint(4), value);
        Assert.Equal(accepted ? VpFault.None : VpFault.GeneralProtection, fault);
        Assert.Equal(accepted ? value : 0x10000UL, Read(m, Msr.Sint(4)));
    }

    [Fact]
    public void Synic_msrs_are_GP_without_AccessSynicRegs()
    {
        var m = X64(PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.AccessSynicRegs);
        foreach (var msr in (uint[])[Msr.Scontrol, Msr.Sversion, Msr.Siefp, Msr.Simp, Msr.Eom, Msr.Sirbp, Msr.Sint(0), Msr.Sint(15)])
        {
            Assert.Equal(VpFault.GeneralProtection, m.Hv.ReadMsr(m.Vp, msr, out var value));
            Assert.Equal(0UL, value);
            Assert.Equal(VpFault.GeneralProtection, m.Hv.WriteMsr(m.Vp, msr, 0x10));
        }
        Assert.False(m.Vp.Synic.IsEnabled);
    }

    [Fact]
    public void Hypercall_msrs_and_vp_index_need_their_privileges()
    {
        var m = X64(PartitionConfiguration.GuestDefault & ~(HvPartitionPrivileges.AccessHypercallMsrs | HvPartitionPrivileges.AccessVpIndex));
        Assert.Equal(VpFault.GeneralProtection, m.Hv.ReadMsr(m.Vp, Msr.GuestOsId, out _));
        Assert.Equal(VpFault.GeneralProtection, m.Hv.WriteMsr(m.Vp, Msr.GuestOsId, 1));
        Assert.Equal(VpFault.GeneralProtection, m.Hv.WriteMsr(m.Vp, Msr.Hypercall, 0x1001));
        Assert.Equal(VpFault.GeneralProtection, m.Hv.ReadMsr(m.Vp, Msr.VpIndex, out _));
        Assert.Equal(TestMachine.GuestOsIdValue, m.Guest.GuestOsId);
    }

    [Theory]
    [InlineData(Msr.Scontrol)]
    [InlineData(Msr.Sversion)]
    [InlineData(Msr.GuestOsId)]
    [InlineData(Msr.VpIndex)]
    [InlineData(0x4000_0090u)]
    [InlineData(Msr.NestedScontrol)]
    public void Arm64_has_no_msrs(uint msr)
    {
        var m = TestMachine.Create(HvArchitecture.Arm64);
        Assert.Equal(VpFault.GeneralProtection, m.Hv.ReadMsr(m.Vp, msr, out _));
        Assert.Equal(VpFault.GeneralProtection, m.Hv.WriteMsr(m.Vp, msr, 0x1_0000));
    }

    [Theory]
    [InlineData(0x4000_00B0u)] // STIMER0_CONFIG: not simulated
    [InlineData(0x4000_0086u)] // between SIRBP and SINT0
    [InlineData(0x4000_00A0u)] // after SINT15
    [InlineData(0x4000_1085u)] // SIRBP is not redirected to L0
    public void Unknown_synthetic_msr_is_GP(uint msr)
    {
        var m = X64();
        Assert.Equal(VpFault.GeneralProtection, m.Hv.ReadMsr(m.Vp, msr, out _));
        Assert.Equal(VpFault.GeneralProtection, m.Hv.WriteMsr(m.Vp, msr, 0));
    }

    [Fact]
    public void Hypercall_page_enables_only_after_guest_os_id_and_zeroing_the_id_disables_it()
    {
        var m = X64(guestOsId: 0);
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Hypercall, 0x1001));
        Assert.Equal(0x1000UL, Read(m, Msr.Hypercall)); // enable stays 0

        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.GuestOsId, TestMachine.GuestOsIdValue));
        Assert.Equal(TestMachine.GuestOsIdValue, Read(m, Msr.GuestOsId, m.Guest.VirtualProcessors[1])); // partition-wide
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Hypercall, 0x1001));
        Assert.Equal(0x1001UL, Read(m, Msr.Hypercall));

        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.GuestOsId, 0));
        Assert.Equal(0UL, Read(m, Msr.Hypercall) & 1);
        Assert.Equal(VpFault.GeneralProtection, m.Hv.WriteMsr(m.Vp, Msr.Hypercall, TestMachine.MemorySize | 1)); // page outside memory
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Zeroing_the_guest_os_id_through_SetVpRegisters_disables_the_hypercall_page_as_the_msr_write_does(bool fast)
    {
        var m = X64();
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Hypercall, 0x3001));
        Assert.Equal(0x3001UL, Read(m, Msr.Hypercall)); // enabled, page 0x3000

        // HvCallSetVpRegisters { HvRegisterGuestOsId (0x00090002) = 0 } from the same x64 VP.
        var set = Cpu.Issue(m.Vp, Words.Control(Code.SetVpRegisters, repCount: 1), fast,
            Inputs.SetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, (RegName.GuestOsId, 0)), 0);
        Assert.Equal((St.Success, 1), (set.Status, set.Reps));

        Assert.Equal(0UL, Read(m, Msr.GuestOsId));
        Assert.Equal(0x3000UL, Read(m, Msr.Hypercall)); // enable bit 0 clear, the page frame kept
        Assert.Equal(0x3000UL, Read(m, Msr.Hypercall, m.Guest.VirtualProcessors[1])); // partition-wide

        // A non-zero id does not re-enable the page by itself; the guest must write HYPERCALL again.
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.GuestOsId, TestMachine.GuestOsIdValue));
        Assert.Equal(0x3000UL, Read(m, Msr.Hypercall));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_non_zero_guest_os_id_through_SetVpRegisters_leaves_the_hypercall_page_enabled(bool fast)
    {
        var m = X64();
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Hypercall, 0x3001));

        var set = Cpu.Issue(m.Vp, Words.Control(Code.SetVpRegisters, repCount: 1), fast,
            Inputs.SetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, (RegName.GuestOsId, 0x8100_0000_0000_0077)), 0);
        Assert.Equal((St.Success, 1), (set.Status, set.Reps));

        Assert.Equal(0x8100_0000_0000_0077UL, Read(m, Msr.GuestOsId));
        Assert.Equal(0x3001UL, Read(m, Msr.Hypercall));
    }

    [Fact]
    public void Eom_reads_0_after_a_write_and_synic_pages_read_back()
    {
        var m = X64();
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Eom, 0x1234));
        Assert.Equal(0UL, Read(m, Msr.Eom));
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Simp, 0x5000 | 1));
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Siefp, 0x6000 | 1));
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Scontrol, 1));
        Assert.Equal((0x5001UL, 0x6001UL, 1UL), (Read(m, Msr.Simp), Read(m, Msr.Siefp), Read(m, Msr.Scontrol)));
        Assert.Equal(0UL, Read(m, Msr.Simp, m.Guest.VirtualProcessors[1])); // per VP
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Hypercall_before_the_guest_os_id_faults_with_invalid_opcode_and_changes_no_register(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch, guestOsId: 0);
        RegisterFile.Scribble(m.Vp);
        Cpu.Load(m.Vp, Words.Control(Code.NotifyLongSpinWait) | Words.FastBit, 0);
        var before = RegisterFile.Snapshot(m.Vp);

        var exit = m.Hv.ExecuteHypercall(m.Vp);

        Assert.Equal(HypercallExitKind.Fault, exit.Kind);
        Assert.Equal(VpFault.InvalidOpcode, m.Vp.LastFault);
        RegisterFile.AssertChanged(before, RegisterFile.Snapshot(m.Vp), new Dictionary<string, ulong>());
        Assert.Equal(0, m.Hv.Record.LongSpinWaits);

        if (arch == HvArchitecture.X64)
        {
            Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.GuestOsId, TestMachine.GuestOsIdValue));
            var exit2 = m.Hv.ExecuteHypercall(m.Vp);
            Assert.Equal(HypercallExitKind.Completed, exit2.Kind);
            Assert.Equal(VpFault.None, m.Vp.LastFault);
            Assert.Equal(1, m.Hv.Record.LongSpinWaits);
        }
    }

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();
}
