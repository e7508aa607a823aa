using System;
using System.Buffers.Binary;
using System.Linq;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Nesting;

/// <summary>
/// Nested virtualization (facts §1 bit 31, §7 nested SynIC MSRs, §9): L0 runs "l1-vm", which runs L1, whose
/// root partition shares l1-vm's memory. A nested-bit call from that root is handled by L0 as a call from
/// l1-vm; the nested SynIC MSRs reach l1-vm's SynIC in L0; elsewhere the bit is 0x3 and the MSRs #GP.
/// </summary>
public sealed class NestedForwardingTests
{
    private const uint Conn = 0x2001;
    private const uint EventConn = 0x2002;

    private static Outcome Post(VirtualProcessor vp, bool nested, uint conn = Conn, uint type = 1) =>
        Cpu.Issue(vp, Words.Control(Code.PostMessage, nested: nested), false, Inputs.PostMessage(conn, type, [0xAB, 0xCD]), 0);

    [Fact]
    public void Nested_post_from_the_l1_root_is_handled_by_L0_as_a_call_from_l1_vm_and_lands_in_its_synic()
    {
        var n = new NestedRig();
        n.EnableL0Synic();

        var outcome = Post(n.RootVp1, nested: true);

        Assert.Equal("L0", outcome.Exit.HandledBy);
        Assert.Equal(0UL, outcome.Result); // SUCCESS, returned unchanged
        Assert.Equal(TestMachine.SimpPage(n.RootVp1) | 1, n.L1VmVp1.Synic.MessagePage.Value);
        var slot = TestMachine.Slot(n.RootVp1, 2); // the root sees it: l1-vm's memory is its memory
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(slot));
        Assert.Equal((2, 0xAB, 0xCD), (slot[4], slot[16], slot[17]));
        Assert.Equal(1, n.L1VmVp1.InterruptsFor(2));
        Assert.Equal(0, n.RootVp1.InterruptCount);
        Assert.False(n.RootVp1.Synic.IsEnabled); // the root's own (L1) SynIC was never touched
    }

    [Fact]
    public void Nested_post_errors_come_from_L0_unchanged_and_use_l1_vm_privileges()
    {
        var n = new NestedRig();
        n.EnableL0Synic();
        Assert.Equal((St.InvalidConnectionId, "L0"), (Post(n.RootVp1, true, conn: 0x999).Status, Post(n.RootVp1, true, conn: 0x999).Exit.HandledBy));
        Assert.Equal(St.InvalidParameter, Post(n.RootVp1, true, type: 0).Status);

        var denied = new NestedRig(l1VmPrivileges: PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages);
        var outcome = Post(denied.RootVp1, nested: true); // the root holds PostMessages, l1-vm does not
        Assert.Equal((St.AccessDenied, "L0"), (outcome.Status, outcome.Exit.HandledBy));
    }

    [Fact]
    public void Same_post_without_the_nested_bit_is_handled_by_L1_which_has_no_such_connection()
    {
        var n = new NestedRig();
        n.EnableL0Synic();

        var outcome = Post(n.RootVp1, nested: false);

        Assert.Equal((St.InvalidConnectionId, "L1"), (outcome.Status, outcome.Exit.HandledBy));
        Assert.Equal(0, n.L1VmVp1.InterruptCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Nested_signal_from_the_root_sets_the_flag_in_l1_vm_event_page(bool fast)
    {
        var n = new NestedRig();
        n.EnableL0Synic();

        var outcome = Cpu.Issue(n.RootVp1, Words.Control(Code.SignalEvent, nested: true), fast, Inputs.Qword(Inputs.SignalEvent(EventConn, 5)), 0);

        Assert.Equal((St.Success, "L0"), (outcome.Status, outcome.Exit.HandledBy));
        Assert.True(TestMachine.EventFlag(n.RootVp1, 3, 5));
        Assert.Equal(1, n.L1VmVp1.InterruptsFor(3));
    }

    [Fact]
    public void Nested_bit_from_a_non_root_L1_partition_is_invalid_input_handled_by_L1()
    {
        var n = new NestedRig();
        var outcome = Post(n.L1Guest.VirtualProcessors[0], nested: true);
        Assert.Equal((St.InvalidHypercallInput, "L1"), (outcome.Status, outcome.Exit.HandledBy));
    }

    [Theory]
    [InlineData(HvArchitecture.X64)]
    [InlineData(HvArchitecture.Arm64)]
    public void Nested_bit_on_a_hypervisor_without_parent_is_invalid_input(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var root = m.AddPartition("root", PartitionConfiguration.RootDefault, isRoot: true);
        foreach (var vp in (VirtualProcessor[])[m.Vp, root.VirtualProcessors[0]])
        {
            var outcome = Cpu.Issue(vp, Words.Control(Code.NotifyLongSpinWait, nested: true), true, new byte[8], 0);
            Assert.Equal((St.InvalidHypercallInput, "L0"), (outcome.Status, outcome.Exit.HandledBy));
        }
        Assert.Equal(0, m.Hv.Record.LongSpinWaits);
    }

    [Fact]
    public void Nested_msrs_are_GP_outside_a_nested_root()
    {
        var n = new NestedRig();
        foreach (var msr in (uint[])[Msr.NestedSimp, Msr.NestedScontrol, Msr.NestedVpIndex, Msr.NestedSint(0), Msr.NestedEom])
        {
            Assert.Equal(VpFault.GeneralProtection, n.L1.ReadMsr(n.L1Guest.VirtualProcessors[0], msr, out _));
            Assert.Equal(VpFault.GeneralProtection, n.L0.ReadMsr(n.L1VmVp1, msr, out _));
            Assert.Equal(VpFault.GeneralProtection, n.L0.WriteMsr(n.L1VmVp1, msr, 1));
        }
        Assert.Equal(VpFault.GeneralProtection, n.L1.WriteMsr(n.L1Guest.VirtualProcessors[0], Msr.NestedSimp, 0x5001));
        Assert.Equal(0UL, n.L1VmVp1.Synic.MessagePage.Value);
    }

    [Fact]
    public void Nested_vp_index_and_sversion_read_L0_and_nested_eom_drains_L0_queue()
    {
        var n = new NestedRig();
        n.EnableL0Synic();
        Assert.Equal(VpFault.None, n.L1.ReadMsr(n.RootVp1, Msr.NestedVpIndex, out var index));
        Assert.Equal(n.L1VmVp1.Index, (uint)index);
        Assert.Equal(VpFault.None, n.L1.ReadMsr(n.RootVp1, Msr.NestedSversion, out var version));
        Assert.Equal(1UL, version);

        Assert.Equal(St.Success, Post(n.RootVp1, true).Status);
        Assert.Equal(St.Success, Post(n.RootVp1, true).Status);
        Assert.Equal(1, n.L1VmVp1.Synic.QueuedMessages(2));
        TestMachine.FreeSlot(n.RootVp1, 2);
        Assert.Equal(VpFault.None, n.L1.WriteMsr(n.RootVp1, Msr.NestedEom, 0));
        Assert.Equal(0, n.L1VmVp1.Synic.QueuedMessages(2));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(n.RootVp1, 2)));
        Assert.Equal(0, n.RootVp1.Synic.EndOfMessageCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Continued_rep_call_forwarded_to_L0_keeps_the_nested_bit_in_rcx(bool fast)
    {
        var n = new NestedRig();
        n.L0.Dispatcher.RepsPerTimeSlice = 2;
        var control = Words.Control(Code.FlushVirtualAddressList, repCount: 5, nested: true) | (fast ? Words.FastBit : 0);
        var input = new byte[24 + 5 * 8];
        for (var k = 0; k < 5; k++)
            input[24 + 8 * k] = (byte)(0x40 + k);

        var first = Cpu.Issue(n.RootVp1, control, fast, input, 0);

        Assert.Equal((HypercallExitKind.Continue, "L0"), (first.Exit.Kind, first.Exit.HandledBy));
        Assert.Equal(control | (2UL << 48), n.RootVp1.X64.Rcx);
        var (last, executions, controls) = Cpu.RunToCompletion(n.RootVp1, first.Exit);
        Assert.Equal(3, executions);
        Assert.All(controls, c => Assert.NotEqual(0UL, c & Words.NestedBit));
        Assert.Equal((HypercallExitKind.Completed, "L0"), (last.Kind, last.HandledBy));
        Assert.Equal(5UL << 32, n.RootVp1.X64.Rax);
        Assert.Equal([0x40UL, 0x41, 0x42, 0x43, 0x44], n.L0.Record.Flushes.SelectMany(f => f.GvaRanges));
        Assert.Empty(n.L1.Record.Flushes);
    }

    [Fact]
    public void Nesting_is_x64_only()
    {
        var l0 = new HvHypervisor("L0");
        var vm = l0.CreatePartition(new PartitionConfiguration("l1-vm", HvArchitecture.Arm64, 1, TestMachine.MemorySize, PartitionConfiguration.GuestDefault) { GuestOsId = 1 });
        Assert.Throws<NotSupportedException>(() => new HvHypervisor("L1", vm));
    }
}
