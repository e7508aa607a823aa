using System;
using System.Buffers.Binary;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest;
using HvCall.Guest.Routing;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.GuestCode;

/// <summary>
/// Guest code on a root partition serves a child through HvCall.Guest's PostMessageDirect (0xC1) and
/// SignalEventDirect (0xC0) (vmbus-datapath sheet §7), handled by the dispatcher on x64 and ARM64; on a nested root
/// (facts §9) the calls go to the L1 hypervisor that hosts the child, without the nested bit, while the explicit
/// parent target would reach L0, where the caller is not a root partition (ACCESS_DENIED).
/// </summary>
public sealed class RootDirectCallTests
{
    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Root_guest_code_posts_and_signals_a_childs_vp_and_retries_after_object_in_use(HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        var root = GuestCpu.Issuer(rig.Caller, out var cpu);
        byte[] payload = [.. Enumerable.Range(0, 40).Select(i => (byte)(0xC0 ^ i))];

        Assert.Equal(HvStatus.Success, root.PostMessageDirect(rig.Child.Id, 1, 0, DirectRig.MessageSint, 0x0000_0042, payload).Status);
        var slot = TestMachine.Slot(rig.Target, DirectRig.MessageSint);
        Assert.Equal(0x42u, BinaryPrimitives.ReadUInt32LittleEndian(slot));
        Assert.Equal((40, 0), (slot[4], slot[5]));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(slot.AsSpan(8))); // the Guest function sends sender 0
        Assert.Equal(payload, slot[16..56]);

        // The slot is still held: OBJECT_IN_USE, MessagePending; the child frees it and writes EOM; the retry lands.
        Assert.Equal(HvStatus.ObjectInUse, root.PostMessageDirect(rig.Child.Id, 1, 0, DirectRig.MessageSint, 0x43, payload).Status);
        Assert.Equal(1, TestMachine.Slot(rig.Target, DirectRig.MessageSint)[5]);
        TestMachine.FreeSlot(rig.Target, DirectRig.MessageSint);
        TestMachine.Eom(rig.Target);
        Assert.Equal(HvStatus.Success, root.PostMessageDirect(rig.Child.Id, 1, 0, DirectRig.MessageSint, 0x43, payload).Status);
        Assert.Equal(0x43u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(rig.Target, DirectRig.MessageSint)));

        Assert.Equal(HvStatus.Success, root.SignalEventDirect(rig.Child.Id, 1, 0, DirectRig.EventSint, 2047, out var first).Status);
        Assert.Equal(HvStatus.Success, root.SignalEventDirect(rig.Child.Id, 1, 0, DirectRig.EventSint, 2047, out var second).Status);
        Assert.True(first);
        Assert.False(second);
        Assert.True(TestMachine.EventFlag(rig.Target, DirectRig.EventSint, 2047));
        Assert.Equal((2, 1), (rig.Target.InterruptsFor(DirectRig.MessageSint), rig.Target.InterruptsFor(DirectRig.EventSint)));

        Assert.Equal([0xC1UL, 0xC1UL, 0xC1UL, 0xC0UL, 0xC0UL], cpu.Exits.Select(e => e.Control.Value));
        Assert.All(cpu.Exits, e => Assert.Equal("L0", e.HandledBy));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Child_guest_code_gets_access_denied_and_no_newly_signaled(HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        var child = GuestCpu.Issuer(rig.Child.VirtualProcessors[0], out _);

        Assert.Equal(HvStatus.AccessDenied, child.PostMessageDirect(rig.Child.Id, 1, 0, DirectRig.MessageSint, 1, [1]).Status);
        Assert.Equal(HvStatus.AccessDenied, child.SignalEventDirect(0xFFFF_FFFF_FFFF_FFFF, 1, 0, DirectRig.EventSint, 0, out var newly).Status);
        Assert.False(newly);
        Assert.Equal(0, rig.Target.InterruptCount - rig.InterruptsBefore);
    }

    /// <summary>L0 runs "l1-vm" (x64), which runs L1; L1's root shares l1-vm's memory and hosts a child "guest".</summary>
    private sealed class Nested
    {
        public Nested()
        {
            L0 = new HvHypervisor("L0");
            L1Vm = L0.CreatePartition(new PartitionConfiguration("l1-vm", HvArchitecture.X64, 2, TestMachine.MemorySize, PartitionConfiguration.GuestDefault) { GuestOsId = TestMachine.GuestOsIdValue });
            L1 = new HvHypervisor("L1", L1Vm);
            Root = L1.CreatePartition(new PartitionConfiguration("root", HvArchitecture.X64, 2, TestMachine.MemorySize, PartitionConfiguration.RootDefault)
            { IsRoot = true, SharedMemory = L1Vm.Memory, GuestOsId = TestMachine.GuestOsIdValue });
            Child = L1.CreatePartition(new PartitionConfiguration("guest", HvArchitecture.X64, 2, TestMachine.MemorySize, PartitionConfiguration.GuestDefault) { GuestOsId = TestMachine.GuestOsIdValue });
            TestMachine.EnableSynic(Child.VirtualProcessors[1], 2, 0x52);
            TestMachine.WriteSynic(Child.VirtualProcessors[1], Msr.Sint(3), RegName.Sint(3), 0x53);
            Calls = GuestCpu.Issuer(Root.VirtualProcessors[0], out var cpu, NestedRouting.Create(new RoutingConfiguration(HvArchitecture.X64, NestedRoot: true)));
            Cpu = cpu;
        }

        public HvHypervisor L0 { get; }
        public Partition L1Vm { get; }
        public HvHypervisor L1 { get; }
        public Partition Root { get; }
        public Partition Child { get; }
        public VirtualProcessor Target => Child.VirtualProcessors[1];
        public Hypercalls Calls { get; }
        public GuestCpu Cpu { get; }
    }

    [Fact]
    public void On_a_nested_root_the_direct_calls_reach_the_child_through_L1_without_the_nested_bit()
    {
        var n = new Nested();

        Assert.Equal(HvStatus.Success, n.Calls.PostMessageDirect(n.Child.Id, 1, 0, 2, 1, [9, 8, 7]).Status);
        Assert.Equal(HvStatus.Success, n.Calls.SignalEventDirect(n.Child.Id, 1, 0, 3, 6, out var newly).Status);
        Assert.True(newly);

        Assert.Equal([0xC1UL, 0xC0UL], n.Cpu.Exits.Select(e => e.Control.Value)); // bit 31 clear
        Assert.All(n.Cpu.Exits, e => Assert.Equal("L1", e.HandledBy));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(n.Target, 2)));
        Assert.True(TestMachine.EventFlag(n.Target, 3, 6));
    }

    [Fact]
    public void On_a_nested_root_the_explicit_parent_target_sets_the_bit_and_L0_denies_a_caller_that_is_not_its_root()
    {
        var n = new Nested();

        Assert.Equal(HvStatus.AccessDenied, n.Calls.ToParent.SignalEventDirect(n.Child.Id, 1, 0, 3, 6, out var newly).Status);
        Assert.Equal(HvStatus.AccessDenied, n.Calls.ToParent.PostMessageDirect(n.Child.Id, 1, 0, 2, 1, [1]).Status);

        Assert.False(newly);
        Assert.Equal([0x8000_00C0UL, 0x8000_00C1UL], n.Cpu.Exits.Select(e => e.Control.Value));
        Assert.All(n.Cpu.Exits, e => Assert.Equal("L0", e.HandledBy));
        Assert.False(TestMachine.EventFlag(n.Target, 3, 6));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(n.Target, 2)));
    }

    [Fact]
    public void On_a_nested_root_port_calls_go_to_L1_and_the_childs_post_lands_in_the_roots_slot()
    {
        var n = new Nested();
        var receiver = n.Root.VirtualProcessors[1];
        TestMachine.EnableSynic(receiver, 2, 0x50);
        var child = GuestCpu.Issuer(n.Child.VirtualProcessors[0], out _);

        Assert.Equal(HvStatus.Success, n.Calls.CreatePort(0xFFFF_FFFF_FFFF_FFFF, 0x10, n.Child.Id, HvPortInfo.Message(2, 1)).Status);
        Assert.Equal(HvStatus.Success, n.Calls.ConnectPort(n.Child.Id, 0x2001, 0xFFFF_FFFF_FFFF_FFFF, 0x10, HvPortType.Message).Status);
        Assert.Equal(HvStatus.Success, child.PostMessage(new HvConnectionId(0x2001), 1, [5, 6]).Status);

        Assert.Equal([0x95UL, 0x96UL], n.Cpu.Exits.Select(e => e.Control.Value));
        Assert.All(n.Cpu.Exits, e => Assert.Equal("L1", e.HandledBy));
        var slot = TestMachine.Slot(receiver, 2);
        Assert.Equal((1u, (byte)2, (byte)5, (byte)6), (BinaryPrimitives.ReadUInt32LittleEndian(slot), slot[4], slot[16], slot[17]));
    }
}
