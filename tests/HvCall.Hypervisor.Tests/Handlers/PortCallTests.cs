using System;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Handlers;

/// <summary>
/// The root's port calls as raw hypercalls through the dispatcher (register file in, status out): HvCallCreatePort 0x95
/// and HvCallConnectPort 0x96 (memory input), HvCallDeletePort 0x58 and HvCallDisconnectPort 0x5B (16 bytes, fast or
/// slow, as Linux's mshv issues them with hv_do_fast_hypercall16). Inputs are built byte by byte from Linux's
/// <c>include/hyperv/hvhdk.h</c> (hv_input_create_port, hv_input_connect_port, hv_input_delete_port,
/// hv_input_disconnect_port); statuses from the TLFS: a port id already in use or with its reserved high 8 bits set is
/// INVALID_PORT_ID, a connection id likewise INVALID_CONNECTION_ID, an unknown partition INVALID_PARTITION_ID, a field
/// outside its range INVALID_PARAMETER (hyperv-abi.md §6). Delivery follows host-implementations.md §2.3: a port goes to
/// its target VP or HV_ANY_VP (VP 0 here, machine-model.md "Choices"); breaking a connection does not drop the messages
/// queued, deleting the port frees them.
/// </summary>
public sealed class PortCallTests
{
    private const ulong Self = 0xFFFF_FFFF_FFFF_FFFF;
    private const uint AnyVp = 0xFFFF_FFFF;
    private const uint MessageType = 1;
    private const uint EventType = 2;
    private const int MessageSint = 2;
    private const int EventSint = 3;

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    public static TheoryData<HvArchitecture, bool> ArchAndModeRows => Abis.ArchsAndModes();

    /// <summary>A guest partition ("guest", the sender) and a root partition that builds ports and receives on VP 1 (or VP 0).</summary>
    private sealed class Rig
    {
        public Rig(HvArchitecture arch)
        {
            Machine = TestMachine.Create(arch);
            Root = Machine.AddPartition("root", PartitionConfiguration.RootDefault, isRoot: true);
            foreach (var vp in Root.VirtualProcessors)
            {
                TestMachine.EnableSynic(vp, MessageSint, 0x50);
                TestMachine.WriteSynic(vp, Msr.Sint(EventSint), RegName.Sint(EventSint), 0x51);
            }
        }

        public TestMachine Machine { get; }
        public Partition Root { get; }
        public Partition Guest => Machine.Guest;
        public VirtualProcessor Caller => Root.VirtualProcessors[0];

        public ushort Create(byte[] input) => Cpu.Issue(Caller, Words.Control(Code.CreatePort), false, input, 0).Status;

        public ushort Connect(byte[] input) => Cpu.Issue(Caller, Words.Control(Code.ConnectPort), false, input, 0).Status;

        public ushort Delete(ulong partition, uint portId, bool fast) =>
            Cpu.Issue(Caller, Words.Control(Code.DeletePort), fast, PortInputs.Id(partition, portId), 0).Status;

        public ushort Disconnect(ulong partition, uint connectionId, bool fast) =>
            Cpu.Issue(Caller, Words.Control(Code.DisconnectPort), fast, PortInputs.Id(partition, connectionId), 0).Status;

        /// <summary>A message port of the root on <paramref name="vp"/>, SINT 2, connected for the guest under <paramref name="connection"/>.</summary>
        public void MessagePort(uint portId, uint connection, uint vp = 1)
        {
            Assert.Equal(St.Success, Create(PortInputs.Create(Self, portId, Guest.Id, MessageType, MessageSint, vp)));
            Assert.Equal(St.Success, Connect(PortInputs.Connect(Guest.Id, connection, Self, portId, MessageType)));
        }

        public ushort Post(uint connection, byte marker) =>
            Cpu.Issue(Machine.Vp, Words.Control(Code.PostMessage), false, Inputs.PostMessage(connection, 1, [marker, 0x5A]), 0).Status;

        public ushort Signal(uint connection, ushort flag) =>
            Cpu.Issue(Machine.Vp, Words.Control(Code.SignalEvent), true, Inputs.Qword(Inputs.SignalEvent(connection, flag)), 0).Status;

        /// <summary>The message in the root VP's SINT 2 slot: (type, sender port id, first payload byte).</summary>
        public (uint Type, ulong Sender, byte Marker) Slot(int vp = 1)
        {
            var slot = TestMachine.Slot(Root.VirtualProcessors[vp], MessageSint);
            return (BinaryPrimitives.ReadUInt32LittleEndian(slot), BinaryPrimitives.ReadUInt64LittleEndian(slot.AsSpan(8)), slot[16]);
        }

        /// <summary>The guest code's side of a slot: free it, and write EOM when MessagePending was set (hyperv-abi.md §7).</summary>
        public void Consume(int vp = 1)
        {
            var target = Root.VirtualProcessors[vp];
            var pending = (TestMachine.Slot(target, MessageSint)[5] & 1) != 0;
            TestMachine.FreeSlot(target, MessageSint);
            if (pending)
                TestMachine.Eom(target);
        }

        /// <summary>Posts until the port refuses: how many were accepted, and the refusal.</summary>
        public (int Accepted, ushort Refusal) FillPort(uint connection)
        {
            for (var accepted = 0; accepted < 100; accepted++)
            {
                var status = Post(connection, 0xEE);
                if (status != St.Success)
                    return (accepted, status);
            }
            return (100, St.Success);
        }
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void A_message_port_and_an_event_port_targeting_HV_ANY_VP_deliver_to_vp_0(HvArchitecture arch)
    {
        var rig = new Rig(arch);
        Assert.Equal(St.Success, rig.Create(PortInputs.Create(Self, 0x10, rig.Guest.Id, MessageType, MessageSint, AnyVp)));
        Assert.Equal(St.Success, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2001, Self, 0x10, MessageType)));
        Assert.Equal(St.Success, rig.Create(PortInputs.Create(Self, 0x20, rig.Guest.Id, EventType, EventSint, AnyVp, baseFlag: 40, flagCount: 8)));
        Assert.Equal(St.Success, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2002, Self, 0x20, EventType)));

        Assert.Equal(St.Success, rig.Post(0x2001, 0x71));
        Assert.Equal(St.Success, rig.Signal(0x2002, 3));

        Assert.Equal((1u, 0x10UL, (byte)0x71), rig.Slot(vp: 0));
        Assert.True(TestMachine.EventFlag(rig.Root.VirtualProcessors[0], EventSint, 43));
        Assert.Equal((1, 1), (rig.Root.VirtualProcessors[0].InterruptsFor(MessageSint), rig.Root.VirtualProcessors[0].InterruptsFor(EventSint)));
        Assert.Equal(0, rig.Root.VirtualProcessors[1].InterruptCount);
        Assert.Equal(0u, rig.Slot(vp: 1).Type);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void An_event_port_owns_exactly_its_flag_range(HvArchitecture arch)
    {
        // hyperv-abi.md §8 / host-implementations.md §2.2: the flag number is relative to the port's base flag, and a
        // flag at or past the port's flag count is INVALID_PARAMETER; a SINT has 2048 flags (§7).
        var rig = new Rig(arch);
        Assert.Equal(St.Success, rig.Create(PortInputs.Create(Self, 0x20, rig.Guest.Id, EventType, EventSint, 1, baseFlag: 2045, flagCount: 3)));
        Assert.Equal(St.Success, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2002, Self, 0x20, EventType)));

        Assert.Equal(St.Success, rig.Signal(0x2002, 0));
        Assert.Equal(St.Success, rig.Signal(0x2002, 2));
        Assert.Equal(St.InvalidParameter, rig.Signal(0x2002, 3));

        var receiver = rig.Root.VirtualProcessors[1];
        Assert.True(TestMachine.EventFlag(receiver, EventSint, 2045));
        Assert.False(TestMachine.EventFlag(receiver, EventSint, 2046));
        Assert.True(TestMachine.EventFlag(receiver, EventSint, 2047));
        Assert.Equal(2, receiver.InterruptsFor(EventSint));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Create_port_refuses_fields_outside_their_range(HvArchitecture arch)
    {
        var rig = new Rig(arch);
        // An event port without flags, or past the 2048 flags of a SINT.
        Assert.Equal(St.InvalidParameter, rig.Create(PortInputs.Create(Self, 0x20, rig.Guest.Id, EventType, EventSint, 1, baseFlag: 0, flagCount: 0)));
        Assert.Equal(St.InvalidParameter, rig.Create(PortInputs.Create(Self, 0x21, rig.Guest.Id, EventType, EventSint, 1, baseFlag: 2040, flagCount: 9)));
        // Monitor (3) and doorbell (4) ports are not simulated; type 0 and 5 are not port types.
        foreach (var type in (uint[])[0, 3, 4, 5])
            Assert.Equal(St.InvalidParameter, rig.Create(PortInputs.Create(Self, 0x22, rig.Guest.Id, type, MessageSint, 1)));
        // PortVtl must be 0 (VTL 0 only), and a target VP the partition does not have.
        Assert.Equal(St.InvalidParameter, rig.Create(PortInputs.Create(Self, 0x23, rig.Guest.Id, MessageType, MessageSint, 1, portVtl: 1)));
        Assert.Equal(St.InvalidVpIndex, rig.Create(PortInputs.Create(Self, 0x24, rig.Guest.Id, MessageType, MessageSint, 2)));
        Assert.Equal(St.InvalidPartitionId, rig.Create(PortInputs.Create(0x99, 0x25, rig.Guest.Id, MessageType, MessageSint, 1)));
        // None of those ports exists: connecting to any of them is INVALID_PORT_ID.
        for (uint port = 0x20; port <= 0x25; port++)
            Assert.Equal(St.InvalidPortId, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x3000 + port, Self, port, MessageType)));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Duplicate_and_reserved_port_ids_are_invalid_port_id(HvArchitecture arch)
    {
        var rig = new Rig(arch);
        Assert.Equal(St.Success, rig.Create(PortInputs.Create(Self, 0x10, rig.Guest.Id, MessageType, MessageSint, 1)));
        Assert.Equal(St.InvalidPortId, rig.Create(PortInputs.Create(Self, 0x10, rig.Guest.Id, EventType, EventSint, 0, 0, 4)));
        Assert.Equal(St.InvalidPortId, rig.Create(PortInputs.Create(rig.Root.Id, 0x10, rig.Guest.Id, MessageType, MessageSint, 0)));
        // HV_PORT_ID is 24 bits; bits 31:24 are reserved.
        Assert.Equal(St.InvalidPortId, rig.Create(PortInputs.Create(Self, 0x0100_0011, rig.Guest.Id, MessageType, MessageSint, 1)));
        Assert.Equal(St.InvalidPortId, rig.Create(PortInputs.Create(Self, 0x8000_0012, rig.Guest.Id, MessageType, MessageSint, 1)));
        // Port ids are per owner: the guest partition may own a port 0x10 too (created here by the root for it).
        Assert.Equal(St.Success, rig.Create(PortInputs.Create(rig.Guest.Id, 0x10, rig.Root.Id, MessageType, MessageSint, 1)));
        // The first port 0x10 is unchanged: a message still reaches root VP 1.
        Assert.Equal(St.Success, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2001, Self, 0x10, MessageType)));
        Assert.Equal(St.Success, rig.Post(0x2001, 0x33));
        Assert.Equal((1u, 0x10UL, (byte)0x33), rig.Slot());
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Duplicate_and_reserved_connection_ids_are_invalid_connection_id(HvArchitecture arch)
    {
        var rig = new Rig(arch);
        rig.MessagePort(0x10, 0x2001);
        Assert.Equal(St.Success, rig.Create(PortInputs.Create(Self, 0x11, rig.Guest.Id, MessageType, MessageSint, 0)));

        // The same connection id again for the same partition, even to another port.
        Assert.Equal(St.InvalidConnectionId, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2001, Self, 0x11, MessageType)));
        // HV_CONNECTION_ID is 24 bits (hyperv-abi.md §8); bits 31:24 are reserved.
        Assert.Equal(St.InvalidConnectionId, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x0100_2002, Self, 0x11, MessageType)));
        // Unknown partitions on either side.
        Assert.Equal(St.InvalidPartitionId, rig.Connect(PortInputs.Connect(0x99, 0x2002, Self, 0x11, MessageType)));
        Assert.Equal(St.InvalidPartitionId, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2002, 0x99, 0x11, MessageType)));
        // Connection ids are per connecting partition: the root may use 0x2001 for itself.
        Assert.Equal(St.Success, rig.Connect(PortInputs.Connect(Self, 0x2001, Self, 0x11, MessageType)));

        // The guest's 0x2001 still reaches port 0x10 on VP 1, not port 0x11 on VP 0.
        Assert.Equal(St.Success, rig.Post(0x2001, 0x44));
        Assert.Equal((1u, 0x10UL, (byte)0x44), rig.Slot(vp: 1));
        Assert.Equal(0u, rig.Slot(vp: 0).Type);
    }

    [Theory]
    [MemberData(nameof(ArchAndModeRows))]
    public void Delete_port_fast_or_slow_then_posts_are_invalid_port_id(HvArchitecture arch, bool fast)
    {
        var rig = new Rig(arch);
        rig.MessagePort(0x10, 0x2001);
        Assert.Equal(St.InvalidPartitionId, rig.Delete(0x99, 0x10, fast));
        Assert.Equal(St.InvalidPortId, rig.Delete(Self, 0x11, fast));

        Assert.Equal(St.Success, rig.Delete(Self, 0x10, fast));

        Assert.Equal(St.InvalidPortId, rig.Post(0x2001, 1)); // the connection stays, its port is gone
        Assert.Equal(St.InvalidPortId, rig.Delete(rig.Root.Id, 0x10, fast));
        Assert.Equal(0u, rig.Slot().Type);
        // The port id is free again for a new port, which a new connection reaches.
        Assert.Equal(St.Success, rig.Create(PortInputs.Create(Self, 0x10, rig.Guest.Id, MessageType, MessageSint, 1)));
        Assert.Equal(St.Success, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2009, Self, 0x10, MessageType)));
        Assert.Equal(St.Success, rig.Post(0x2009, 9));
        Assert.Equal((1u, 0x10UL, (byte)9), rig.Slot());
    }

    [Theory]
    [MemberData(nameof(ArchAndModeRows))]
    public void Disconnect_port_fast_or_slow_then_posts_are_invalid_connection_id(HvArchitecture arch, bool fast)
    {
        var rig = new Rig(arch);
        rig.MessagePort(0x10, 0x2001);
        Assert.Equal(St.InvalidPartitionId, rig.Disconnect(0x99, 0x2001, fast));
        Assert.Equal(St.InvalidConnectionId, rig.Disconnect(rig.Guest.Id, 0x2002, fast));
        Assert.Equal(St.InvalidConnectionId, rig.Disconnect(Self, 0x2001, fast)); // the root has no connection 0x2001

        Assert.Equal(St.Success, rig.Disconnect(rig.Guest.Id, 0x2001, fast));

        Assert.Equal(St.InvalidConnectionId, rig.Post(0x2001, 1));
        Assert.Equal(St.InvalidConnectionId, rig.Disconnect(rig.Guest.Id, 0x2001, fast));
        // The port is still there: connecting again under the same id works.
        Assert.Equal(St.Success, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2001, Self, 0x10, MessageType)));
        Assert.Equal(St.Success, rig.Post(0x2001, 2));
        Assert.Equal((1u, 0x10UL, (byte)2), rig.Slot());
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Disconnecting_keeps_the_queued_messages_and_they_are_delivered(HvArchitecture arch)
    {
        // host-implementations.md §2.3: "Breaking a connection doesn't drop queued messages".
        var rig = new Rig(arch);
        rig.MessagePort(0x10, 0x2001);
        Assert.Equal(St.Success, rig.Post(0x2001, 1)); // into the slot
        Assert.Equal(St.Success, rig.Post(0x2001, 2)); // queued
        Assert.Equal(St.Success, rig.Post(0x2001, 3)); // queued
        var target = rig.Root.VirtualProcessors[1];
        Assert.Equal(2, target.Synic.QueuedMessages(MessageSint));

        Assert.Equal(St.Success, rig.Disconnect(rig.Guest.Id, 0x2001, fast: true));
        Assert.Equal(St.InvalidConnectionId, rig.Post(0x2001, 4));

        Assert.Equal(2, target.Synic.QueuedMessages(MessageSint));
        var received = new System.Collections.Generic.List<byte>();
        for (var i = 0; i < 3; i++)
        {
            var (type, sender, marker) = rig.Slot();
            Assert.Equal((1u, 0x10UL), (type, sender));
            received.Add(marker);
            rig.Consume();
        }
        Assert.Equal([1, 2, 3], received);
        Assert.Equal(0u, rig.Slot().Type);
        Assert.Equal(3, target.InterruptsFor(MessageSint));

        // Every buffer came back: through a new connection, 1 message into the free slot and 16 queued, then 0x13.
        Assert.Equal(St.Success, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2001, Self, 0x10, MessageType)));
        Assert.Equal((17, St.InsufficientBuffers), rig.FillPort(0x2001));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Deleting_a_port_frees_its_queued_messages_and_keeps_another_ports_on_the_same_sint(HvArchitecture arch)
    {
        // host-implementations.md §2.3: one queue per VP and SINT; deleting a port frees its messages. Ports 0x10 (A) and
        // 0x11 (B) both target root VP 1, SINT 2.
        var rig = new Rig(arch);
        rig.MessagePort(0x10, 0x2001);
        rig.MessagePort(0x11, 0x2002);
        Assert.Equal(St.Success, rig.Post(0x2001, 0xA1)); // into the slot
        Assert.Equal(St.Success, rig.Post(0x2002, 0xB1)); // queued
        Assert.Equal(St.Success, rig.Post(0x2001, 0xA2)); // queued
        Assert.Equal(St.Success, rig.Post(0x2002, 0xB2)); // queued
        var target = rig.Root.VirtualProcessors[1];
        Assert.Equal(3, target.Synic.QueuedMessages(MessageSint));

        Assert.Equal(St.Success, rig.Delete(Self, 0x10, fast: true));

        // A's queued message is gone; the one already in the slot is the guest's; B's two wait, in order.
        Assert.Equal(2, target.Synic.QueuedMessages(MessageSint));
        Assert.Equal((1u, 0x10UL, (byte)0xA1), rig.Slot());
        rig.Consume();
        Assert.Equal((1u, 0x11UL, (byte)0xB1), rig.Slot());
        rig.Consume();
        Assert.Equal((1u, 0x11UL, (byte)0xB2), rig.Slot());
        rig.Consume();
        Assert.Equal(0u, rig.Slot().Type);
        Assert.Equal(0, target.Synic.QueuedMessages(MessageSint));

        // B's buffers are all free again: 1 into the free slot and 16 queued, then INSUFFICIENT_BUFFERS.
        Assert.Equal((17, St.InsufficientBuffers), rig.FillPort(0x2002));
        Assert.Equal(St.InvalidPortId, rig.Post(0x2001, 0xA3));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Create_and_connect_have_no_fast_form(HvArchitecture arch)
    {
        // Both take more than 16 bytes of memory input; machine-model.md "Choices": the fast flag on a call without a
        // fast form is INVALID_HYPERCALL_INPUT.
        var rig = new Rig(arch);
        Assert.Equal(St.InvalidHypercallInput, Cpu.Issue(rig.Caller, Words.Control(Code.CreatePort), true,
            PortInputs.Create(Self, 0x10, rig.Guest.Id, MessageType, MessageSint, 1)[..16], 0).Status);
        Assert.Equal(St.InvalidHypercallInput, Cpu.Issue(rig.Caller, Words.Control(Code.ConnectPort), true,
            PortInputs.Connect(rig.Guest.Id, 0x2001, Self, 0x10, MessageType)[..16], 0).Status);
        Assert.Equal(St.InvalidPortId, rig.Connect(PortInputs.Connect(rig.Guest.Id, 0x2001, Self, 0x10, MessageType)));
    }
}

/// <summary>Port call inputs, byte by byte from Linux's <c>include/hyperv/hvhdk.h</c>.</summary>
internal static class PortInputs
{
    /// <summary>hv_input_create_port (56 bytes): port_partition_id u64 @0, port_id u32 @8, port_vtl u8 @12,
    /// min_connection_vtl u8 @13, padding @14, connection_partition_id u64 @16, hv_port_info @24 {port_type u32 @24,
    /// padding @28, target_sint u32 @32, target_vp u32 @36, event: base_flag_number u16 @40, flag_count u16 @42, rsvdz},
    /// proximity_domain_info u64 @48.</summary>
    public static byte[] Create(ulong portPartition, uint portId, ulong connectionPartition, uint type, uint sint, uint vp,
        ushort baseFlag = 0, ushort flagCount = 0, byte portVtl = 0)
    {
        var input = new byte[56];
        BinaryPrimitives.WriteUInt64LittleEndian(input, portPartition);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), portId);
        input[12] = portVtl;
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(16), connectionPartition);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(24), type);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(32), sint);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(36), vp);
        BinaryPrimitives.WriteUInt16LittleEndian(input.AsSpan(40), baseFlag);
        BinaryPrimitives.WriteUInt16LittleEndian(input.AsSpan(42), flagCount);
        return input;
    }

    /// <summary>hv_input_connect_port (72 bytes): connection_partition_id u64 @0, connection_id u32 @8, connection_vtl u8
    /// @12, rsvdz @13, port_partition_id u64 @16, port_id u32 @24, reserved2 @28, hv_connection_info @32 {port_type u32},
    /// proximity_domain_info u64 @64.</summary>
    public static byte[] Connect(ulong connectionPartition, uint connectionId, ulong portPartition, uint portId, uint type)
    {
        var input = new byte[72];
        BinaryPrimitives.WriteUInt64LittleEndian(input, connectionPartition);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), connectionId);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(16), portPartition);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(24), portId);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(32), type);
        return input;
    }

    /// <summary>hv_input_delete_port / hv_input_disconnect_port (16 bytes): partition u64 @0, port or connection id u32 @8, reserved.</summary>
    public static byte[] Id(ulong partition, uint id)
    {
        var input = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(input, partition);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), id);
        return input;
    }
}
