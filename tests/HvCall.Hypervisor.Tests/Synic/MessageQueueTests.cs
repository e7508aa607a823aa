using System;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Synic;

/// <summary>
/// Message buffers and delivery (facts §7/§8, TLFS "Message Buffers" and "Message Delivery"): a port has 16
/// buffers; a message holds one until it is copied into the free slot; with the slot busy, later messages queue
/// and the 17th queued one fails with INSUFFICIENT_BUFFERS (0x13, not the misprinted 0x33). The guest frees the
/// slot (type 0) and writes EOM when MessagePending was set; each EOM delivers the next message in FIFO order,
/// raising the SINT interrupt when unmasked and setting MessagePending while more wait.
/// </summary>
public sealed class MessageQueueTests
{
    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    private static byte[] Seq(int n) => [(byte)n, (byte)(n >> 8), 0xC0];

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Seventeenth_queued_message_fails_with_insufficient_buffers_then_eom_drains_the_queue_in_order(HvArchitecture arch)
    {
        var rig = new PortRig(arch);
        var target = rig.Target;
        const int sint = PortRig.MessageSint;

        Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, Seq(0)).Status); // occupies the slot
        for (var i = 1; i <= 16; i++)
            Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, Seq(i)).Status);
        Assert.Equal(16, target.Synic.QueuedMessages(sint));

        var refused = rig.Post(PortRig.MessageConnection, 1, Seq(17));
        Assert.Equal(0x13, refused.Status);
        Assert.Equal(16, target.Synic.QueuedMessages(sint));
        Assert.Equal(1, target.InterruptsFor(sint));

        for (var expected = 0; expected <= 16; expected++)
        {
            var slot = TestMachine.Slot(target, sint);
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(slot));
            Assert.Equal(3, slot[4]);
            Assert.Equal(expected, slot[16] | (slot[17] << 8));
            Assert.Equal(PortRig.MessagePortId, BinaryPrimitives.ReadUInt64LittleEndian(slot.AsSpan(8)));
            var pending = (slot[5] & 1) != 0;
            Assert.Equal(expected < 16, pending);
            Assert.Equal(expected + 1, target.InterruptsFor(sint));

            TestMachine.FreeSlot(target, sint);
            if (pending)
                TestMachine.Eom(target);
            Assert.Equal(Math.Max(0, 16 - expected - 1), target.Synic.QueuedMessages(sint));
        }
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(target, sint)));
        Assert.Equal(PortRig.MessageVector, target.LastInterruptVector);

        // Every buffer is back: 1 in the slot + 16 queued succeed again, the next fails.
        for (var i = 0; i < 17; i++)
            Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, Seq(100 + i)).Status);
        Assert.Equal(St.InsufficientBuffers, rig.Post(PortRig.MessageConnection, 1, Seq(200)).Status);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Freed_slot_is_refilled_only_on_eom_and_eom_with_empty_queues_changes_nothing(HvArchitecture arch)
    {
        var rig = new PortRig(arch);
        var target = rig.Target;
        const int sint = PortRig.MessageSint;
        Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, Seq(1)).Status);
        Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, Seq(2)).Status);

        TestMachine.FreeSlot(target, sint);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(target, sint)));
        Assert.Equal(1, target.Synic.QueuedMessages(sint));

        TestMachine.Eom(target);
        var slot = TestMachine.Slot(target, sint);
        Assert.Equal(2, slot[16]);
        Assert.Equal(0, slot[5] & 1);
        Assert.Equal(2, target.InterruptsFor(sint));

        TestMachine.FreeSlot(target, sint);
        TestMachine.Eom(target);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(target, sint)));
        Assert.Equal(2, target.InterruptsFor(sint));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Masked_sint_queue_drains_on_eom_without_interrupts(HvArchitecture arch)
    {
        var rig = new PortRig(arch);
        var target = rig.Target;
        const int sint = PortRig.MessageSint;
        TestMachine.WriteSynic(target, Msr.Sint(sint), RegName.Sint(sint), PortRig.MessageVector | (1UL << 16));

        for (var i = 0; i < 3; i++)
            Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, Seq(i)).Status);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(i, TestMachine.Slot(target, sint)[16]);
            TestMachine.FreeSlot(target, sint);
            TestMachine.Eom(target);
        }
        Assert.Equal(0, target.InterruptsFor(sint));
        Assert.Equal(0, target.Synic.QueuedMessages(sint));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Insufficient_buffers_is_per_port_so_another_port_on_the_same_sint_still_queues(HvArchitecture arch)
    {
        var rig = new PortRig(arch);
        Assert.Equal(HvStatus.Success, rig.Hv.CreatePort(rig.Host, 0x11, Ports.PortType.Message, 1, PortRig.MessageSint));
        Assert.Equal(HvStatus.Success, rig.Hv.ConnectPort(rig.Guest, 0x2011, rig.Host, 0x11));
        for (var i = 0; i < 17; i++)
            Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, Seq(i)).Status);
        Assert.Equal(St.InsufficientBuffers, rig.Post(PortRig.MessageConnection, 1, Seq(99)).Status);

        Assert.Equal(St.Success, rig.Post(0x2011, 1, Seq(500)).Status);
        Assert.Equal(17, rig.Target.Synic.QueuedMessages(PortRig.MessageSint));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Deleting_a_port_frees_its_queued_messages_and_later_posts_fail_with_invalid_port_id(HvArchitecture arch)
    {
        var rig = new PortRig(arch);
        const int sint = PortRig.MessageSint;
        for (var i = 0; i <= 5; i++)
            Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, Seq(i)).Status);
        Assert.Equal(5, rig.Target.Synic.QueuedMessages(sint));

        Assert.Equal(HvStatus.Success, rig.Hv.DeletePort(rig.Host, PortRig.MessagePortId));

        Assert.Equal(0, rig.Target.Synic.QueuedMessages(sint));
        TestMachine.FreeSlot(rig.Target, sint);
        TestMachine.Eom(rig.Target);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(rig.Target, sint)));
        Assert.Equal(0x11, rig.Post(PortRig.MessageConnection, 1, Seq(6)).Status);
    }
}
