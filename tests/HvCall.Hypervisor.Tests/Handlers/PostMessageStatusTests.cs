using System;
using System.Collections.Generic;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Handlers;

/// <summary>A PostMessage case: an optional change to the rig, the input, and the status of facts §8.</summary>
internal sealed record PostCase(Action<PortRig> Arrange, Func<byte[]> Input, ushort Expected);

/// <summary>
/// Every status HvCallPostMessage may return (facts §8, TLFS HvCallPostMessage), as data, on both architectures:
/// ACCESS_DENIED, INVALID_CONNECTION_ID, INVALID_PORT_ID, INVALID_PARAMETER, INVALID_SYNIC_STATE, plus the
/// documented check order (reserved field → message → connection → port → buffers → VP → SynIC; the message
/// before the connection as OpenVMM and QEMU, the TLFS leaves it open). INSUFFICIENT_BUFFERS is in
/// <c>MessageQueueTests</c>; INVALID_VP_INDEX comes from port creation.
/// </summary>
public sealed class PostMessageStatusTests
{
    private static readonly byte[] Payload = [1, 2, 3, 4, 5, 6, 7, 8, 9];

    private static byte[] Msg(uint connection = PortRig.MessageConnection, uint type = 1, uint? size = null, uint reserved = 0, int length = 9)
    {
        var payload = new byte[Math.Min(length, 240)];
        for (var i = 0; i < payload.Length; i++)
            payload[i] = (byte)(i + 1);
        return Inputs.PostMessage(connection, type, payload, size, reserved);
    }

    private static void Nothing(PortRig rig) { }

    internal static readonly Dictionary<string, PostCase> Cases = new()
    {
        ["success"] = new(Nothing, () => Msg(), St.Success),
        ["success with payload size 240"] = new(Nothing, () => Msg(length: 240), St.Success),
        ["success with payload size 0"] = new(Nothing, () => Msg(length: 0), St.Success),
        ["success with the largest valid type 0x7FFFFFFF"] = new(Nothing, () => Msg(type: 0x7FFF_FFFF), St.Success),

        ["no PostMessages privilege"] = new(r => r.Guest.Privileges &= ~HvPartitionPrivileges.PostMessages, () => Msg(), St.AccessDenied),
        ["no PostMessages privilege and unknown connection"] = new(r => r.Guest.Privileges &= ~HvPartitionPrivileges.PostMessages, () => Msg(connection: 0x9999), St.AccessDenied),
        ["unknown connection id"] = new(Nothing, () => Msg(connection: 0x2099), St.InvalidConnectionId),
        ["connection id 0"] = new(Nothing, () => Msg(connection: 0), St.InvalidConnectionId),
        ["connection id with reserved high 8 bits"] = new(Nothing, () => Msg(connection: 0x0100_0000 | PortRig.MessageConnection), St.InvalidConnectionId),
        ["connection id of another partition"] = new(r => Assert.Equal(HvStatus.Success, r.Hv.ConnectPort(r.Host, 0x3003, r.Host, PortRig.MessagePortId)),
            () => Msg(connection: 0x3003), St.InvalidConnectionId),
        ["disconnected connection"] = new(r => Assert.Equal(HvStatus.Success, r.Hv.DisconnectPort(r.Guest, PortRig.MessageConnection)), () => Msg(), St.InvalidConnectionId),
        ["port deleted"] = new(r => Assert.Equal(HvStatus.Success, r.Hv.DeletePort(r.Host, PortRig.MessagePortId)), () => Msg(), St.InvalidPortId),
        ["connection to an event port"] = new(Nothing, () => Msg(connection: PortRig.EventConnection), St.InvalidPortId),
        ["message type 0"] = new(Nothing, () => Msg(type: 0), St.InvalidParameter),
        ["message type with MSB set"] = new(Nothing, () => Msg(type: 0x8000_0001), St.InvalidParameter),
        ["message type 0x80000000"] = new(Nothing, () => Msg(type: 0x8000_0000), St.InvalidParameter),
        ["payload size 241"] = new(Nothing, () => Msg(size: 241), St.InvalidParameter),
        ["payload size 0xFFFFFFFF"] = new(Nothing, () => Msg(size: 0xFFFF_FFFF), St.InvalidParameter),
        ["reserved field at offset 4 non-zero"] = new(Nothing, () => Msg(reserved: 1), St.InvalidParameter),
        ["target SynIC disabled (SCONTROL 0)"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Scontrol, RegName.Scontrol, 0), () => Msg(), St.InvalidSynicState),
        ["target message page disabled (SIMP enable clear)"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Simp, RegName.Simp, TestMachine.SimpPage(r.Target)), () => Msg(), St.InvalidSynicState),

        // Check order: reserved field → message (type, size) → connection → port → buffers → VP → SynIC.
        ["order: type 0 before unknown connection"] = new(Nothing, () => Msg(connection: 0x2099, type: 0), St.InvalidParameter),
        ["order: type with MSB set before unknown connection"] = new(Nothing, () => Msg(connection: 0x2099, type: 0x8000_0001), St.InvalidParameter),
        ["order: payload size 241 before unknown connection"] = new(Nothing, () => Msg(connection: 0x2099, size: 241), St.InvalidParameter),
        ["order: type 0 before connection id with reserved bits"] = new(Nothing, () => Msg(connection: 0x0100_0000 | PortRig.MessageConnection, type: 0), St.InvalidParameter),
        ["order: payload size 241 before deleted port"] = new(r => r.Hv.DeletePort(r.Host, PortRig.MessagePortId), () => Msg(size: 241), St.InvalidParameter),
        ["order: type 0 before event port"] = new(Nothing, () => Msg(connection: PortRig.EventConnection, type: 0), St.InvalidParameter),
        ["order: reserved field before unknown connection"] = new(Nothing, () => Msg(connection: 0x2099, reserved: 1), St.InvalidParameter),
        ["order: unknown connection with a valid message"] = new(Nothing, () => Msg(connection: 0x2099, type: 1, size: 240), St.InvalidConnectionId),
        ["order: bad type before disabled SynIC"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Scontrol, RegName.Scontrol, 0), () => Msg(type: 0), St.InvalidParameter),
    };

    public static TheoryData<string, HvArchitecture> Rows => Abis.CasesPerArch(Cases.Keys);

    [Theory]
    [MemberData(nameof(Rows))]
    public void PostMessage_case_returns_the_documented_status_and_delivers_only_on_success(string name, HvArchitecture arch)
    {
        var c = Cases[name];
        var rig = new PortRig(arch);
        c.Arrange(rig);
        var input = c.Input();

        var outcome = rig.Post(input);

        Assert.Equal(c.Expected, outcome.Status);
        var slot = TestMachine.Slot(rig.Target, PortRig.MessageSint);
        if (c.Expected == St.Success)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(input.AsSpan(12));
            Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(input.AsSpan(8)), BinaryPrimitives.ReadUInt32LittleEndian(slot));
            Assert.Equal((byte)size, slot[4]);
            Assert.Equal(0, slot[5]); // nothing else pending
            Assert.Equal(PortRig.MessagePortId, BinaryPrimitives.ReadUInt64LittleEndian(slot.AsSpan(8))); // messages carry the port id
            Assert.Equal(input.AsSpan(16, (int)size).ToArray(), slot.AsSpan(16, (int)size).ToArray());
            Assert.Equal(rig.InterruptsBefore + 1, rig.Target.InterruptCount);
            Assert.Equal(1, rig.Target.InterruptsFor(PortRig.MessageSint));
            Assert.Equal(PortRig.MessageVector, rig.Target.LastInterruptVector);
        }
        else
        {
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(slot));
            Assert.Equal(0, rig.Target.Synic.QueuedMessages(PortRig.MessageSint));
            Assert.Equal(rig.InterruptsBefore, rig.Target.InterruptCount);
        }
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Host_code_post_checks_the_message_before_the_connection(HvArchitecture arch)
    {
        var rig = new PortRig(arch);
        var unknown = new HvConnectionId(0x2099);

        Assert.Equal(St.InvalidParameter, (ushort)rig.Hv.PostMessage(rig.Guest, unknown, 0, Payload));
        Assert.Equal(St.InvalidParameter, (ushort)rig.Hv.PostMessage(rig.Guest, unknown, 0x8000_0000, Payload));
        Assert.Equal(St.InvalidParameter, (ushort)rig.Hv.PostMessage(rig.Guest, unknown, 1, new byte[241]));
        Assert.Equal(St.InvalidConnectionId, (ushort)rig.Hv.PostMessage(rig.Guest, unknown, 1, new byte[240]));
        Assert.Equal(0, rig.Target.Synic.QueuedMessages(PortRig.MessageSint));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Message_to_a_masked_sint_is_delivered_without_an_interrupt(HvArchitecture arch)
    {
        var rig = new PortRig(arch);
        TestMachine.WriteSynic(rig.Target, Msr.Sint(PortRig.MessageSint), RegName.Sint(PortRig.MessageSint), PortRig.MessageVector | (1UL << 16));

        Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, Payload).Status);

        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(rig.Target, PortRig.MessageSint)));
        Assert.Equal(0, rig.Target.InterruptsFor(PortRig.MessageSint));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Port_targeting_a_vp_that_does_not_exist_is_refused_with_invalid_vp_index(HvArchitecture arch)
    {
        var rig = new PortRig(arch);

        Assert.Equal(HvStatus.InvalidVpIndex, rig.Hv.CreatePort(rig.Host, 0x77, PortType.Message, targetVp: 2, targetSint: 2));
        Assert.Equal(HvStatus.InvalidVpIndex, rig.Hv.CreatePort(rig.Host, 0x78, PortType.Message, targetVp: 64, targetSint: 2));

        // The same through HvCallCreatePort issued by the host (root) partition: PortPartition self, PortId, type, SINT, VP.
        var input = new byte[56];
        BinaryPrimitives.WriteUInt64LittleEndian(input, RegName.PartitionSelf);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), 0x79);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(16), RegName.PartitionSelf);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(24), (uint)PortType.Message);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(32), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(36), 5);
        var created = Cpu.Issue(rig.Host.VirtualProcessors[0], Words.Control(0x0095), false, input, 0);
        Assert.Equal(St.InvalidVpIndex, created.Status);

        // No port came into being: connecting fails and so does posting.
        Assert.Equal(HvStatus.InvalidPortId, rig.Hv.ConnectPort(rig.Guest, 0x4000, rig.Host, 0x79));
        Assert.Equal(St.InvalidConnectionId, rig.Post(0x4000, 1, Payload).Status);

        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(36), 1);
        Assert.Equal(St.Success, Cpu.Issue(rig.Host.VirtualProcessors[0], Words.Control(0x0095), false, input, 0).Status);
        Assert.Equal(HvStatus.Success, rig.Hv.ConnectPort(rig.Guest, 0x4000, rig.Host, 0x79));
        Assert.Equal(St.Success, rig.Post(0x4000, 1, Payload).Status);
    }

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();
}
