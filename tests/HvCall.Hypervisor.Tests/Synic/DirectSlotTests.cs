using System;
using System.Buffers.Binary;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Synic;

/// <summary>
/// HvCallPostMessageDirect and the message slot (facts §7, vmbus-datapath sheet §7): a busy slot answers
/// OBJECT_IN_USE and gets MessagePending so that the guest's EOM after freeing it lets the retry succeed; a
/// direct message shares the slot with port messages; and the call writes exactly the target slot's 256 bytes
/// (guard pages filled with 0xA5 around the message page, as OpenVMM's tests do).
/// </summary>
public sealed class DirectSlotTests
{
    private const byte Sint = DirectRig.MessageSint;

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    private static byte[] Message(DirectRig rig, uint type, byte sint = Sint, int length = 20) =>
        DirectInputs.PostMessageDirect(rig.Child.Id, DirectRig.TargetVpIndex, 0, sint, type,
            Enumerable.Range(0, length).Select(i => (byte)(type + i)).ToArray(), tail: 0x5C);

    private static uint SlotType(VirtualProcessor vp, int sint = Sint) => BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(vp, sint));

    private static byte SlotFlags(VirtualProcessor vp, int sint = Sint) => TestMachine.Slot(vp, sint)[5];

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Busy_slot_is_object_in_use_with_message_pending_and_the_retry_after_free_and_eom_succeeds(HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        var first = Message(rig, 0x21);
        var second = Message(rig, 0x22);

        Assert.Equal(St.Success, rig.Post(first).Status);
        Assert.Equal(DirectInputs.ExpectedSlot(first), TestMachine.Slot(rig.Target, Sint));

        Assert.Equal(St.ObjectInUse, rig.Post(second).Status);
        Assert.Equal(DirectInputs.ExpectedSlot(first, flags: 1), TestMachine.Slot(rig.Target, Sint)); // MessagePending set, the message kept
        Assert.Equal(St.ObjectInUse, rig.Post(second).Status); // still busy until the guest frees it
        Assert.Equal(1, rig.Target.InterruptsFor(Sint));

        // The guest consumes the slot: type 0, and EOM because MessagePending was set.
        Assert.Equal(1, SlotFlags(rig.Target));
        TestMachine.FreeSlot(rig.Target, Sint);
        var eomsBefore = rig.Target.Synic.EndOfMessageCount;
        TestMachine.Eom(rig.Target);
        Assert.Equal(eomsBefore + 1, rig.Target.Synic.EndOfMessageCount);

        Assert.Equal(St.Success, rig.Post(second).Status);
        Assert.Equal(DirectInputs.ExpectedSlot(second), TestMachine.Slot(rig.Target, Sint));
        Assert.Equal(2, rig.Target.InterruptsFor(Sint));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void A_slot_freed_without_eom_takes_the_retry_too(HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        Assert.Equal(St.Success, rig.Post(Message(rig, 0x21)).Status);
        Assert.Equal(St.ObjectInUse, rig.Post(Message(rig, 0x22)).Status);

        TestMachine.FreeSlot(rig.Target, Sint);

        Assert.Equal(St.Success, rig.Post(Message(rig, 0x22)).Status);
        Assert.Equal(0x22u, SlotType(rig.Target));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Direct_message_into_a_slot_freed_while_port_messages_wait_keeps_message_pending(HvArchitecture arch)
    {
        // A port on the child's VP 1 SINT 2, reached by the root through connection 0x3001 (HvCallPostMessage).
        var rig = new DirectRig(arch);
        Assert.Equal(HvStatus.Success, rig.Hv.CreatePort(rig.Child, 0x10, PortType.Message, DirectRig.TargetVpIndex, Sint));
        Assert.Equal(HvStatus.Success, rig.Hv.ConnectPort(rig.Root, 0x3001, rig.Child, 0x10));
        Assert.Equal(HvStatus.Success, rig.Hv.PostMessage(rig.Root, new HvConnectionId(0x3001), 0x31, [1]));
        Assert.Equal(HvStatus.Success, rig.Hv.PostMessage(rig.Root, new HvConnectionId(0x3001), 0x32, [2]));
        Assert.Equal((0x31u, (byte)1), (SlotType(rig.Target), SlotFlags(rig.Target)));
        Assert.Equal(1, rig.Target.Synic.QueuedMessages(Sint));

        // The guest frees the slot but has not written EOM yet: a direct message takes it, still asking for an EOM.
        TestMachine.FreeSlot(rig.Target, Sint);
        var direct = Message(rig, 0x23);
        Assert.Equal(St.Success, rig.Post(direct).Status);
        Assert.Equal(DirectInputs.ExpectedSlot(direct, flags: 1), TestMachine.Slot(rig.Target, Sint));
        Assert.Equal(1, rig.Target.Synic.QueuedMessages(Sint));

        // Consuming the direct message and writing EOM delivers the queued port message.
        TestMachine.FreeSlot(rig.Target, Sint);
        TestMachine.Eom(rig.Target);
        Assert.Equal((0x32u, (byte)0), (SlotType(rig.Target), SlotFlags(rig.Target)));
        Assert.Equal(0x10UL, BinaryPrimitives.ReadUInt64LittleEndian(TestMachine.Slot(rig.Target, Sint).AsSpan(8)));
        Assert.Equal(0, rig.Target.Synic.QueuedMessages(Sint));
        Assert.Equal(3, rig.Target.InterruptsFor(Sint));
    }

    public static TheoryData<byte, HvArchitecture> GuardRows()
    {
        var data = new TheoryData<byte, HvArchitecture>();
        foreach (var sint in (byte[])[0, 2, 15])
            foreach (var arch in Abis.Architectures)
                data.Add(sint, arch);
        return data;
    }

    [Theory]
    [MemberData(nameof(GuardRows))]
    public void PostMessageDirect_writes_only_the_target_slots_256_bytes(byte sint, HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        var target = rig.Target;
        TestMachine.WriteSynic(target, Msr.Sint(sint), RegName.Sint(sint), 0x70);
        // Guard page before the message page, the message page, and the event flags page after it: all 0xA5 but
        // the target slot's type, which must read 0 (free).
        var regionStart = TestMachine.SimpPage(target) - 4096;
        TestMachine.Fill(target, regionStart, 3 * 4096);
        var slotGpa = TestMachine.SimpPage(target) + (ulong)(sint * 256);
        Assert.True(target.Partition.Memory.TryWrite(slotGpa, new byte[4]));
        var callerBefore = TestMachine.Read(rig.Caller, TestMachine.InputPage(rig.Caller) + 4096, 4 * 4096);
        var input = Message(rig, 0x41, sint, length: 240);

        var outcome = rig.Post(input);

        Assert.Equal(St.Success, outcome.Status);
        var region = TestMachine.Read(target, regionStart, 3 * 4096);
        var from = (int)(slotGpa - regionStart);
        for (var i = 0; i < region.Length; i++)
        {
            if (i >= from && i < from + 256)
                continue;
            Assert.True(region[i] == TestMachine.Pattern, $"byte at GPA 0x{regionStart + (ulong)i:X} changed to 0x{region[i]:X2}");
        }
        Assert.Equal(DirectInputs.ExpectedSlot(input), region[from..(from + 256)]);
        // The caller's pages after its input page (guard, output, guard, SIMP) are not written either.
        Assert.Equal(callerBefore, TestMachine.Read(rig.Caller, TestMachine.InputPage(rig.Caller) + 4096, 4 * 4096));
        Assert.Equal(1, target.InterruptsFor(sint));
    }
}
