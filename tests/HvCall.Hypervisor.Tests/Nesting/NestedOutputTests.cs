using System;
using System.Buffers.Binary;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Nesting;

/// <summary>
/// A forwarded memory call that writes output (facts §1 bit 31, §5 memory parameters, §9): the nested root issues a slow
/// HvCallGetVpRegisters with the nested bit, L1 hands it to L0, and L0 answers it as a call of the L1 VM's VP with the
/// same index (HV_PARTITION_ID_SELF and HV_VP_INDEX_SELF name the L1 VM and that VP there). The GPAs are the root's, which
/// are the L1 VM's (the root shares its memory), so L0 writes the registers into the root's own output page: 16 bytes per
/// name (HV_REGISTER_VALUE), nothing past them. Without the bit L1 answers with the root's own (L1) SynIC registers.
/// </summary>
public sealed class NestedOutputTests
{
    private static readonly uint[] Names = [RegName.Scontrol, RegName.Simp, RegName.Siefp, RegName.Sint(2), RegName.Sint(3)];

    private static Outcome GetRegisters(NestedRig n, bool nested)
    {
        var vp = n.RootVp1;
        TestMachine.Fill(vp, TestMachine.OutputPage(vp), TestMachine.Page);
        var control = Words.Control(Code.GetVpRegisters, repCount: Names.Length, nested: nested);
        return Cpu.Issue(vp, control, fast: false, Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, Names), 16 * Names.Length);
    }

    [Fact]
    public void Slow_get_vp_registers_with_the_nested_bit_is_answered_by_L0_into_the_roots_output_page()
    {
        var n = new NestedRig();
        n.EnableL0Synic(); // l1-vm VP 1 in L0: SIMP, SIEFP in the root's pages, SINT2 0x50, SINT3 0x51, SCONTROL 1

        var outcome = GetRegisters(n, nested: true);

        Assert.Equal((St.Success, Names.Length, "L0"), (outcome.Status, outcome.Reps, outcome.Exit.HandledBy));
        var vp = n.RootVp1;
        ulong[] expected = [1, TestMachine.SimpPage(vp) | 1, TestMachine.SiefpPage(vp) | 1, 0x50, 0x51];
        for (var i = 0; i < Names.Length; i++)
        {
            Assert.Equal(expected[i], BinaryPrimitives.ReadUInt64LittleEndian(outcome.Output.AsSpan(16 * i)));
            Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(outcome.Output.AsSpan(16 * i + 8)));
        }
        // The root's output page is the L1 VM's memory at the same GPA: L0 wrote it there, and nothing after the 80 bytes.
        var l1VmView = new byte[TestMachine.Page];
        Assert.True(n.L1Vm.Memory.TryRead(TestMachine.OutputPage(vp), l1VmView));
        Assert.Equal(outcome.Output, l1VmView[..(16 * Names.Length)]);
        Assert.All(l1VmView[(16 * Names.Length)..], b => Assert.Equal(TestMachine.Pattern, b));
        // The root's own L1 SynIC was neither read nor written.
        Assert.False(vp.Synic.IsEnabled);
    }

    [Fact]
    public void The_same_call_without_the_nested_bit_reads_the_roots_own_L1_registers()
    {
        var n = new NestedRig();
        n.EnableL0Synic();

        var outcome = GetRegisters(n, nested: false);

        Assert.Equal((St.Success, Names.Length, "L1"), (outcome.Status, outcome.Reps, outcome.Exit.HandledBy));
        // L1's SynIC of the root VP: never enabled, SINTs at their reset value 0x10000 (facts §7).
        ulong[] expected = [0, 0, 0, 0x10000, 0x10000];
        for (var i = 0; i < Names.Length; i++)
            Assert.Equal(expected[i], BinaryPrimitives.ReadUInt64LittleEndian(outcome.Output.AsSpan(16 * i)));
    }
}
