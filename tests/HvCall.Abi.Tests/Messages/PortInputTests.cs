using System;
using System.Buffers.Binary;
using HvCall.Abi.Messages;
using Xunit;

namespace HvCall.Abi.Tests.Messages;

/// <summary>
/// HvCallCreatePort (56 bytes), HvCallConnectPort (72 bytes) and HvCallDeletePort / HvCallDisconnectPort (16 bytes)
/// as Linux's <c>hv_input_create_port</c>, <c>hv_input_connect_port</c>, <c>hv_input_delete_port</c> and
/// <c>hv_input_disconnect_port</c> lay them out; port types Message 1, Event 2, Monitor 3, Doorbell 4.
/// </summary>
public sealed class PortInputTests
{
    [Fact]
    public void PortTypesAreTheHvPortTypeValues()
    {
        Assert.Equal((1u, 2u, 3u, 4u), ((uint)HvPortType.Message, (uint)HvPortType.Event, (uint)HvPortType.Monitor, (uint)HvPortType.Doorbell));
        Assert.Equal((56, 72, 16), (CreatePortInput.Size, ConnectPortInput.Size, PortIdInput.Size));
    }

    [Fact]
    public void CreateEventPortPlacesEveryFieldAtItsOffset()
    {
        var buffer = new byte[64];
        buffer.AsSpan().Fill(0xCC);
        CreatePortInput.Write(buffer, 0xFFFF_FFFF_FFFF_FFFF, 0x0012_3456, 7, HvPortInfo.Event(targetSint: 3, targetVp: 1, baseFlagNumber: 8, flagCount: 4));

        Assert.Equal(0xFFFF_FFFF_FFFF_FFFFUL, BinaryPrimitives.ReadUInt64LittleEndian(buffer));
        Assert.Equal(0x0012_3456u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(8)));
        Assert.Equal([0, 0, 0, 0], buffer[12..16]); // port VTL, minimum connection VTL, padding
        Assert.Equal(7UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(16)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(24)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(28)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(32)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(36)));
        Assert.Equal(8, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(40)));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(42)));
        Assert.All(buffer[44..56], b => Assert.Equal(0, b)); // reserved, proximity domain
        Assert.All(buffer[56..], b => Assert.Equal(0xCC, b));
    }

    [Fact]
    public void CreateMessagePortLeavesTheFlagRangeZero()
    {
        var buffer = new byte[56];
        buffer.AsSpan().Fill(0xCC);
        CreatePortInput.Write(buffer, 1, 0x10, 2, new HvPortInfo(HvPortType.Message, 2, 0, BaseFlagNumber: 5, FlagCount: 6));

        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(24)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(32)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(36)));
        Assert.All(buffer[40..56], b => Assert.Equal(0, b));
    }

    [Fact]
    public void CreatePortReadersReturnWhatWriteWrote()
    {
        var buffer = new byte[56];
        var info = HvPortInfo.Event(15, 0xFFFF_FFFF, 2040, 8);
        CreatePortInput.Write(buffer, 3, 0x00FF_FFFF, 4, info);
        Assert.Equal(3UL, CreatePortInput.PortPartition(buffer));
        Assert.Equal(0x00FF_FFFFu, CreatePortInput.PortId(buffer));
        Assert.Equal(0, CreatePortInput.PortVtl(buffer));
        Assert.Equal(4UL, CreatePortInput.ConnectionPartition(buffer));
        Assert.Equal(info, CreatePortInput.PortInfo(buffer));
        Assert.Equal(HvPortInfo.Message(2, 1), new HvPortInfo(HvPortType.Message, 2, 1));
    }

    [Fact]
    public void ConnectPortPlacesEveryFieldAtItsOffset()
    {
        var buffer = new byte[80];
        buffer.AsSpan().Fill(0xCC);
        ConnectPortInput.Write(buffer, 2, 0x2001, 0xFFFF_FFFF_FFFF_FFFF, 0x10, HvPortType.Event);

        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer));
        Assert.Equal(0x2001u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(8)));
        Assert.Equal([0, 0, 0, 0], buffer[12..16]); // connection VTL, reserved
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFFUL, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(16)));
        Assert.Equal(0x10u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(24)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(28)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(32)));
        Assert.All(buffer[36..72], b => Assert.Equal(0, b)); // padding, union, proximity domain
        Assert.All(buffer[72..], b => Assert.Equal(0xCC, b));

        Assert.Equal(2UL, ConnectPortInput.ConnectionPartition(buffer));
        Assert.Equal(0x2001u, ConnectPortInput.ConnectionId(buffer));
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFFUL, ConnectPortInput.PortPartition(buffer));
        Assert.Equal(0x10u, ConnectPortInput.PortId(buffer));
        Assert.Equal(HvPortType.Event, ConnectPortInput.PortType(buffer));
    }

    [Fact]
    public void DeleteAndDisconnectQwordsArePartitionThenIdWithAZeroUpperHalf()
    {
        var (q0, q1) = PortIdInput.Qwords(0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFFUL, q0);
        Assert.Equal(0x0000_0000_FFFF_FFFFUL, q1);

        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 9);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 0x2002);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), 1); // reserved / is_doorbell: not part of the id
        Assert.Equal(9UL, PortIdInput.Partition(bytes));
        Assert.Equal(0x2002u, PortIdInput.Id(bytes));
    }
}
