using System;
using System.Buffers.Binary;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.GuestCode;

/// <summary>
/// Guest code on a simulated root partition builds ports and connections for a child with real hypercalls, issued
/// through HvCall.Guest's functions (HvCallCreatePort 0x95, HvCallConnectPort 0x96, HvCallDeletePort 0x58,
/// HvCallDisconnectPort 0x5B) and handled by the dispatcher; the child's guest code then posts and signals
/// (HvCallPostMessage 0x5C, HvCallSignalEvent 0x5D, facts §8) and the messages and events land in the root's SynIC.
/// The root's VP 1 receives: SINT 2 (vector 0x50) for messages, SINT 3 (vector 0x51) for events.
/// </summary>
public sealed class RootPortCallTests
{
    private const ulong PartitionSelf = 0xFFFF_FFFF_FFFF_FFFF;
    private const uint MessagePort = 0x10;
    private const uint EventPort = 0x20;
    private const uint MessageConnection = 0x2001;
    private const uint EventConnection = 0x2002;

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    private sealed class Machine
    {
        public Machine(HvArchitecture arch)
        {
            Hv = new HvHypervisor("L0");
            Child = Hv.CreatePartition(new PartitionConfiguration("child", arch, 2, TestMachine.MemorySize, PartitionConfiguration.GuestDefault) { GuestOsId = TestMachine.GuestOsIdValue });
            Root = Hv.CreatePartition(new PartitionConfiguration("root", arch, 2, TestMachine.MemorySize, PartitionConfiguration.RootDefault) { IsRoot = true, GuestOsId = TestMachine.GuestOsIdValue });
            Receiver = Root.VirtualProcessors[1];
            TestMachine.EnableSynic(Receiver, 2, 0x50);
            TestMachine.WriteSynic(Receiver, Msr.Sint(3), RegName.Sint(3), 0x51);
            RootCalls = GuestCpu.Issuer(Root.VirtualProcessors[0], out var rootCpu);
            RootCpu = rootCpu;
            ChildCalls = GuestCpu.Issuer(Child.VirtualProcessors[0], out var childCpu);
            ChildCpu = childCpu;
        }

        public HvHypervisor Hv { get; }
        public Partition Child { get; }
        public Partition Root { get; }
        public VirtualProcessor Receiver { get; }
        public Hypercalls RootCalls { get; }
        public GuestCpu RootCpu { get; }
        public Hypercalls ChildCalls { get; }
        public GuestCpu ChildCpu { get; }

        public void MessagePortForTheChild()
        {
            Assert.Equal(HvStatus.Success, RootCalls.CreatePort(PartitionSelf, MessagePort, Child.Id, HvPortInfo.Message(targetSint: 2, targetVp: 1)).Status);
            Assert.Equal(HvStatus.Success, RootCalls.ConnectPort(Child.Id, MessageConnection, PartitionSelf, MessagePort, HvPortType.Message).Status);
        }

        public void EventPortForTheChild()
        {
            Assert.Equal(HvStatus.Success, RootCalls.CreatePort(PartitionSelf, EventPort, Child.Id, HvPortInfo.Event(targetSint: 3, targetVp: 1, baseFlagNumber: 8, flagCount: 4)).Status);
            Assert.Equal(HvStatus.Success, RootCalls.ConnectPort(Child.Id, EventConnection, PartitionSelf, EventPort, HvPortType.Event).Status);
        }

        public ushort ChildPost(byte[] payload) => (ushort)ChildCalls.PostMessage(new HvConnectionId(MessageConnection), 1, payload).Status;

        public ushort ChildSignal(ushort flag) => (ushort)ChildCalls.SignalEvent(new HvConnectionId(EventConnection), flag).Status;
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Message_port_created_by_the_root_receives_the_childs_post_in_the_roots_slot(HvArchitecture arch)
    {
        var m = new Machine(arch);
        m.MessagePortForTheChild();
        byte[] payload = [.. Enumerable.Range(1, 33).Select(i => (byte)(0x80 + i))];

        Assert.Equal(St.Success, m.ChildPost(payload));

        var slot = TestMachine.Slot(m.Receiver, 2);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(slot)); // type
        Assert.Equal((33, 0), (slot[4], slot[5])); // payload size, flags
        Assert.Equal(0x10UL, BinaryPrimitives.ReadUInt64LittleEndian(slot.AsSpan(8))); // sender: the port id
        Assert.Equal(payload, slot[16..49]);
        Assert.Equal((1, (byte)0x50), (m.Receiver.InterruptsFor(2), m.Receiver.LastInterruptVector));
        // Real hypercalls: the root's CreatePort and ConnectPort (slow), the child's PostMessage (slow), none nested.
        Assert.Equal([0x0095UL, 0x0096UL], m.RootCpu.Exits.Select(e => e.Control.Value));
        Assert.Equal([0x005CUL], m.ChildCpu.Exits.Select(e => e.Control.Value));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Event_port_created_by_the_root_receives_the_childs_signal_in_the_roots_event_flags(HvArchitecture arch)
    {
        var m = new Machine(arch);
        m.EventPortForTheChild();

        Assert.Equal(St.Success, m.ChildSignal(2));
        Assert.Equal(St.InvalidParameter, m.ChildSignal(4)); // the port owns 4 flags

        // Base flag 8 + flag 2 = flag 10 of SINT 3: byte 3·256 + 1, bit 2.
        Assert.Equal(1 << 2, TestMachine.Read(m.Receiver, TestMachine.SiefpPage(m.Receiver) + 3 * 256 + 1, 1)[0]);
        Assert.True(TestMachine.EventFlag(m.Receiver, 3, 10));
        Assert.Equal((1, (byte)0x51), (m.Receiver.InterruptsFor(3), m.Receiver.LastInterruptVector));
        Assert.Equal([0x1_005DUL, 0x1_005DUL], m.ChildCpu.Exits.Select(e => e.Control.Value)); // SignalEvent is fast
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void After_disconnect_the_childs_post_is_invalid_connection_id(HvArchitecture arch)
    {
        var m = new Machine(arch);
        m.MessagePortForTheChild();
        Assert.Equal(St.Success, m.ChildPost([1]));
        TestMachine.FreeSlot(m.Receiver, 2);

        Assert.Equal(HvStatus.Success, m.RootCalls.DisconnectPort(m.Child.Id, MessageConnection).Status);

        Assert.Equal(St.InvalidConnectionId, m.ChildPost([2]));
        Assert.Equal(HvStatus.InvalidConnectionId, m.RootCalls.DisconnectPort(m.Child.Id, MessageConnection).Status);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(m.Receiver, 2)));
        Assert.Equal(0x1_005BUL, m.RootCpu.Exits[2].Control.Value); // DisconnectPort is fast
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void After_delete_the_childs_post_and_signal_are_invalid_port_id(HvArchitecture arch)
    {
        var m = new Machine(arch);
        m.MessagePortForTheChild();
        m.EventPortForTheChild();

        Assert.Equal(HvStatus.Success, m.RootCalls.DeletePort(PartitionSelf, MessagePort).Status);
        Assert.Equal(HvStatus.Success, m.RootCalls.DeletePort(m.Root.Id, EventPort).Status);

        Assert.Equal(St.InvalidPortId, m.ChildPost([1]));
        Assert.Equal(St.InvalidPortId, m.ChildSignal(0));
        Assert.Equal(HvStatus.InvalidPortId, m.RootCalls.DeletePort(PartitionSelf, MessagePort).Status);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(m.Receiver, 2)));
        Assert.False(TestMachine.EventFlag(m.Receiver, 3, 8));
        Assert.Equal(0, m.Receiver.InterruptCount);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Deleting_a_port_frees_the_messages_still_queued_for_the_roots_slot(HvArchitecture arch)
    {
        var m = new Machine(arch);
        m.MessagePortForTheChild();
        Assert.Equal(St.Success, m.ChildPost([1]));
        Assert.Equal(St.Success, m.ChildPost([2]));
        Assert.Equal(1, m.Receiver.Synic.QueuedMessages(2));

        Assert.Equal(HvStatus.Success, m.RootCalls.DeletePort(PartitionSelf, MessagePort).Status);

        Assert.Equal(0, m.Receiver.Synic.QueuedMessages(2));
        TestMachine.FreeSlot(m.Receiver, 2);
        TestMachine.Eom(m.Receiver);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(m.Receiver, 2)));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void A_child_cannot_build_ports_or_connect_for_others(HvArchitecture arch)
    {
        var m = new Machine(arch);

        Assert.Equal(HvStatus.AccessDenied, m.ChildCalls.CreatePort(PartitionSelf, 0x30, m.Root.Id, HvPortInfo.Message(2, 0)).Status);
        Assert.Equal(HvStatus.AccessDenied, m.ChildCalls.ConnectPort(PartitionSelf, 0x3001, m.Root.Id, MessagePort, HvPortType.Message).Status);
        Assert.Equal(HvStatus.AccessDenied, m.ChildCalls.DeletePort(PartitionSelf, 0x30).Status);
        Assert.Equal(HvStatus.AccessDenied, m.ChildCalls.DisconnectPort(PartitionSelf, 0x3001).Status);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Port_calls_with_bad_partitions_or_types_return_their_statuses(HvArchitecture arch)
    {
        var m = new Machine(arch);

        Assert.Equal(HvStatus.InvalidPartitionId, m.RootCalls.CreatePort(0x99, MessagePort, m.Child.Id, HvPortInfo.Message(2, 1)).Status);
        Assert.Equal(HvStatus.InvalidVpIndex, m.RootCalls.CreatePort(PartitionSelf, MessagePort, m.Child.Id, HvPortInfo.Message(2, 7)).Status);
        Assert.Equal(HvStatus.InvalidParameter, m.RootCalls.CreatePort(PartitionSelf, MessagePort, m.Child.Id, HvPortInfo.Message(16, 1)).Status);
        Assert.Equal(HvStatus.InvalidPortId, m.RootCalls.ConnectPort(m.Child.Id, MessageConnection, PartitionSelf, MessagePort, HvPortType.Message).Status);
        m.MessagePortForTheChild();
        Assert.Equal(HvStatus.InvalidParameter, m.RootCalls.ConnectPort(m.Child.Id, 0x2003, PartitionSelf, MessagePort, HvPortType.Monitor).Status);
        Assert.Equal(HvStatus.InvalidConnectionId, m.RootCalls.ConnectPort(m.Child.Id, MessageConnection, PartitionSelf, MessagePort, HvPortType.Message).Status);
        Assert.Equal(HvStatus.InvalidPartitionId, m.RootCalls.DeletePort(0x99, MessagePort).Status);
        Assert.Equal(HvStatus.InvalidPartitionId, m.RootCalls.DisconnectPort(0x99, MessageConnection).Status);
    }
}
