using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Handlers;

/// <summary>
/// HvCallGetVpRegisters / HvCallSetVpRegisters (facts §5, §7) for the SynIC register names on both
/// architectures, fast and slow: values round-trip and reach the SynIC, an unknown name stops the call at
/// that rep with 0x5, a non-zero input VTL is 0x5, another partition's id is 0xD.
/// </summary>
public sealed class VpRegisterTests
{
    public static TheoryData<HvArchitecture, bool> Modes => Abis.ArchsAndModes();

    private static Outcome Set(TestMachine m, bool fast, ulong partition, byte vtl, params (uint, ulong)[] regs) =>
        Cpu.Issue(m.Vp, Words.Control(Code.SetVpRegisters, repCount: regs.Length), fast, Inputs.SetVpRegisters(partition, RegName.VpSelf, vtl, regs), 0);

    private static Outcome Get(TestMachine m, bool fast, ulong partition, byte vtl, uint vp, params uint[] names) =>
        Cpu.Issue(m.Vp, Words.Control(Code.GetVpRegisters, repCount: names.Length), fast, Inputs.GetVpRegisters(partition, vp, vtl, names), 16 * names.Length);

    [Theory]
    [MemberData(nameof(Modes))]
    public void SynIC_registers_written_by_name_read_back_and_reach_the_synic(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);
        var simp = TestMachine.SimpPage(m.Vp) | 1;

        var set = Set(m, fast, RegName.PartitionSelf, 0, (RegName.Sint(5), 0x45), (RegName.Simp, simp), (RegName.Scontrol, 1));
        Assert.Equal((St.Success, 3), (set.Status, set.Reps));

        var get = Get(m, fast, RegName.PartitionSelf, 0, RegName.VpSelf, RegName.Sint(5), RegName.Simp, RegName.Scontrol);
        Assert.Equal((St.Success, 3), (get.Status, get.Reps));
        Assert.Equal(0x45UL, Inputs.OutputQword(get.Output, 0));
        Assert.Equal(simp, Inputs.OutputQword(get.Output, 2));
        Assert.Equal(1UL, Inputs.OutputQword(get.Output, 4));
        Assert.Equal(0x45, m.Vp.Synic.Sint(5).Vector);
        Assert.False(m.Vp.Synic.Sint(5).IsMasked);
        Assert.True(m.Vp.Synic.IsEnabled);
        Assert.Equal(TestMachine.SimpPage(m.Vp), m.Vp.Synic.MessagePage.Gpa);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Reset_values_read_by_name_sint_masked_sversion_1_eom_0_vp_index(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);
        var get = Get(m, fast, m.Guest.Id, 0, 1, RegName.Sint(15), RegName.Sversion, RegName.Eom, RegName.VpIndex);
        Assert.Equal((St.Success, 4), (get.Status, get.Reps));
        Assert.Equal(0x10000UL, Inputs.OutputQword(get.Output, 0));
        Assert.Equal(1UL, Inputs.OutputQword(get.Output, 2));
        Assert.Equal(0UL, Inputs.OutputQword(get.Output, 4));
        Assert.Equal(1UL, Inputs.OutputQword(get.Output, 6)); // VP 1 addressed by index
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Unknown_or_read_only_name_stops_the_call_at_that_rep_with_invalid_parameter(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);

        var set = Set(m, fast, RegName.PartitionSelf, 0, (RegName.Sint(1), 0x31), (0x000A_00FF, 1), (RegName.Sint(2), 0x32));
        Assert.Equal((St.InvalidParameter, 1), (set.Status, set.Reps));
        Assert.Equal(0x31, m.Vp.Synic.Sint(1).Vector);
        Assert.True(m.Vp.Synic.Sint(2).IsMasked); // rep 2 never ran

        var readOnly = Set(m, fast, RegName.PartitionSelf, 0, (RegName.Sversion, 2));
        Assert.Equal((St.InvalidParameter, 0), (readOnly.Status, readOnly.Reps));

        var badSint = Set(m, fast, RegName.PartitionSelf, 0, (RegName.Sint(3), 0x0F)); // unmasked vector below 16
        Assert.Equal((St.InvalidParameter, 0), (badSint.Status, badSint.Reps));

        var get = Get(m, fast, RegName.PartitionSelf, 0, RegName.VpSelf, RegName.Sint(1), 0x1234_5678);
        Assert.Equal((St.InvalidParameter, 1), (get.Status, get.Reps));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Non_zero_input_vtl_is_invalid_parameter_and_another_partition_is_invalid_partition_id(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);
        var other = m.AddPartition("other", PartitionConfiguration.GuestDefault);

        var vtl = Set(m, fast, RegName.PartitionSelf, 1, (RegName.Sint(1), 0x31));
        Assert.Equal((St.InvalidParameter, 0), (vtl.Status, vtl.Reps));
        var otherId = Get(m, fast, other.Id, 0, RegName.VpSelf, RegName.Sint(1));
        Assert.Equal((St.InvalidPartitionId, 0), (otherId.Status, otherId.Reps));
        var unknownId = Get(m, fast, 0x7777, 0, RegName.VpSelf, RegName.Sint(1));
        Assert.Equal(St.InvalidPartitionId, unknownId.Status);
        var badVp = Get(m, fast, RegName.PartitionSelf, 0, 9, RegName.Sint(1));
        Assert.Equal(St.InvalidVpIndex, badVp.Status);
        Assert.True(m.Vp.Synic.Sint(1).IsMasked);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Without_AccessVpRegisters_both_calls_are_access_denied(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch, PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.AccessVpRegisters);
        Assert.Equal(St.AccessDenied, Set(m, fast, RegName.PartitionSelf, 0, (RegName.Sint(1), 0x31)).Status);
        Assert.Equal(St.AccessDenied, Get(m, fast, RegName.PartitionSelf, 0, RegName.VpSelf, RegName.Sint(1)).Status);
        Assert.True(m.Vp.Synic.Sint(1).IsMasked);
    }

    // x64 identifies itself with the GUEST_OS_ID MSR instead (SyntheticMsrTests).
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Arm64_guest_sets_its_guest_os_id_with_SetVpRegisters_before_any_other_call(bool fast)
    {
        var m = TestMachine.Create(HvArchitecture.Arm64, guestOsId: 0);

        var early = Cpu.Issue(m.Vp, Words.Control(Code.NotifyLongSpinWait), fast, new byte[8], 0);
        Assert.Equal(HypercallExitKind.Fault, early.Exit.Kind);

        var set = Set(m, fast, RegName.PartitionSelf, 0, (RegName.GuestOsId, 0x8100_0000_0000_0001));
        Assert.Equal(St.Success, set.Status);
        Assert.Equal(0x8100_0000_0000_0001UL, m.Guest.GuestOsId);
        var later = Cpu.Issue(m.Vp, Words.Control(Code.NotifyLongSpinWait), fast, new byte[8], 0);
        Assert.Equal(HypercallExitKind.Completed, later.Exit.Kind);
        Assert.Equal(St.Success, later.Status);
        var get = Get(m, fast, RegName.PartitionSelf, 0, RegName.VpSelf, RegName.GuestOsId);
        Assert.Equal(0x8100_0000_0000_0001UL, BinaryPrimitives.ReadUInt64LittleEndian(get.Output));
    }
}
