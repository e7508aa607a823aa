using System;
using System.Buffers.Binary;
using Xunit;
using static HvCall.Simulation.Tests.HostileGuest;
using static HvCall.Simulation.Tests.HostileRing;

namespace HvCall.Simulation.Tests;

/// <summary>
/// A guest that corrupts the ring of its open echo channel and signals: the host stops servicing that channel
/// (HostChannel.Broken, an error recorded), nothing throws, the control path still works, and no guest page
/// outside the ring GPADL changes (vmbus-datapath.md §3 indices, §4 descriptor, §5 signalling). Well-formed packets,
/// one of them wrapping the ring's end, are the control cases.
/// </summary>
public sealed class HostileRingTests
{
    [Theory]
    [InlineData(0, 24)]
    [InlineData(DataSize - 16, 16)]   // descriptor in the last 16 bytes, payload and trailer wrap to the start
    [InlineData(DataSize - 40, 100)]  // payload itself wraps
    public void WellFormedPacket_IsEchoed_AndOnlyRingPagesChange(int start, int length)
    {
        var channel = HostileRing.OpenEcho(start);
        var guest = channel.Guest;
        var before = guest.Snapshot();
        var payload = Payload(length, start);
        var end = channel.Packet(start, 0x1234, payload);
        channel.Control(upstream: true, WriteIndex, (uint)end);
        channel.Signal();
        Assert.Empty(guest.Settle());

        var host = guest.Host.OpenChannels[Echo];
        Assert.Equal((1L, 1L, false), (host.PacketsReceived, host.PacketsSent, host.Broken));
        Assert.Equal((uint)end, channel.Control(upstream: true, ReadIndex)); // the host consumed it
        // The echo at the start of the downstream ring: same type, offset8 2, len8, transaction id, payload, trailer.
        var padded = (length + 7) & ~7;
        var echo = channel.Read(upstream: false, 0, 16 + padded + 8);
        Assert.Equal((6, 2, (16 + padded) / 8, 0), (BinaryPrimitives.ReadUInt16LittleEndian(echo), BinaryPrimitives.ReadUInt16LittleEndian(echo.AsSpan(2)),
            BinaryPrimitives.ReadUInt16LittleEndian(echo.AsSpan(4)), BinaryPrimitives.ReadUInt16LittleEndian(echo.AsSpan(6))));
        Assert.Equal(0x1234UL, BinaryPrimitives.ReadUInt64LittleEndian(echo.AsSpan(8)));
        Assert.Equal(payload, echo.AsSpan(16, length).ToArray());
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(echo.AsSpan(16 + padded)));
        Assert.Equal((uint)(16 + padded + 8), channel.Control(upstream: false, WriteIndex));
        // The downstream ring was empty and unmasked: the host set event flag relid 5 in VP 0's SINT 2 area (bytes 512..767).
        Assert.True(channel.TakeInterrupt());
        guest.AssertUnchangedExcept(before, RingPfns);
        Assert.Empty(guest.Host.Errors);
    }

    public static TheoryData<string, int, int, int, int, int> Corruptions => new()
    {
        // name, write_index, then the descriptor at offset 0: type, offset8, len8, flags (-1: no descriptor written)
        { "InvalidRingIndex", 13, -1, 0, 0, 0 },                      // not a multiple of 8
        { "InvalidRingIndex", DataSize, -1, 0, 0, 0 },                // = the data size
        { "InvalidRingIndex", unchecked((int)0xFFFF_FFF8), -1, 0, 0, 0 },
        { "InvalidDescriptorLength", 8, 6, 2, 0, 0 },                 // less than a descriptor and trailer published
        { "InvalidDescriptorLength", 24, 6, 2, DataSize / 8, 0 },     // len8 runs past the ring
        { "InvalidDescriptorLength", 24, 6, 2, 4, 0 },                // len8 runs past the bytes published
        { "InvalidDescriptorLength", 48, 6, 2, 0xFFFF, 0 },
        { "InvalidDescriptorLength", 48, 6, 1, 5, 0 },                // offset8 below 2
        { "InvalidDescriptorLength", 48, 6, 0, 5, 0 },
        { "InvalidDescriptorLength", 48, 6, 6, 5, 0 },                // offset8 above len8
        { "InvalidDescriptorType", 48, 0, 2, 5, 0 },                  // INVALID
        { "InvalidDescriptorType", 48, 1, 2, 5, 0 },                  // SYNCH: readers accept 6, 7, 9, 11 only
        { "InvalidDescriptorFlags", 48, 6, 2, 5, 2 },                 // a flag other than completion-requested
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptedUpstreamRing_BreaksTheChannel_TouchesNothingOutsideIt_AndControlStillWorks(string status, int writeIndex, int type, int offset8, int len8, int flags)
    {
        var channel = HostileRing.OpenEcho();
        var guest = channel.Guest;
        if (type >= 0)
            channel.Packet(0, 7, Payload(24, 1), (ushort)type, (ushort)offset8, (ushort)len8, (ushort)flags);
        channel.Control(upstream: true, WriteIndex, unchecked((uint)writeIndex));
        var before = guest.Snapshot();
        var resident = guest.Memory.ResidentPages;

        channel.Signal();
        Assert.Empty(guest.Settle());

        var host = guest.Host.OpenChannels[Echo];
        Assert.True(host.Broken);
        Assert.Equal((0L, 0L), (host.PacketsReceived, host.PacketsSent));
        var error = Assert.Single(guest.Host.Errors);
        Assert.Contains("channel 5", error, StringComparison.Ordinal);
        Assert.Contains(status, error, StringComparison.Ordinal);
        // Only the two control pages may change (interrupt mask); no data page, no page outside the GPADL.
        guest.AssertUnchangedExcept(before, [RingPfns[0], RingPfns[4]]);
        Assert.Equal(resident, guest.Memory.ResidentPages);

        // Signalling a broken channel again does nothing; closing it and tearing its GPADL down still works.
        channel.Signal();
        Assert.Empty(guest.Settle());
        Assert.Single(guest.Host.Errors);
        Assert.Empty(guest.Exchange(CloseChannel(Echo)));
        var torndown = Assert.Single(guest.Exchange(GpadlTeardown(Echo, Gpadl)));
        Assert.Equal((12u, Gpadl), (Type(torndown), U32(torndown, 8)));
        Assert.Equal(0, guest.Host.GpadlCount);
        Assert.Empty(guest.Host.OpenChannels);
    }

    [Fact]
    public void CorruptedReadIndex_OnTheHostsOutgoingRing_BreaksTheChannelWhenTheHostNeedsRoom()
    {
        var channel = HostileRing.OpenEcho();
        var guest = channel.Guest;
        // Two 6000-byte echoes (6024 ring bytes each) fill the 12288-byte downstream ring but for 240 bytes; the
        // guest never reads them, and then claims a read index that is not a multiple of 8.
        var at = 0;
        for (var i = 1; i <= 2; i++)
        {
            at = channel.Packet(at, (ulong)i, Payload(6000, i));
            channel.Control(upstream: true, WriteIndex, (uint)at);
            channel.Signal();
            Assert.Empty(guest.Settle());
        }
        Assert.Equal(2L, guest.Host.OpenChannels[Echo].PacketsSent);
        channel.Control(upstream: false, ReadIndex, 13);
        at = channel.Packet(at, 3, Payload(6000, 3));
        channel.Control(upstream: true, WriteIndex, (uint)at);
        var before = guest.Snapshot();

        channel.Signal();
        Assert.Empty(guest.Settle());

        var host = guest.Host.OpenChannels[Echo];
        Assert.True(host.Broken);
        Assert.Equal((3L, 2L), (host.PacketsReceived, host.PacketsSent));
        Assert.Contains("InvalidRingIndex", Assert.Single(guest.Host.Errors), StringComparison.Ordinal);
        guest.AssertUnchangedExcept(before, [RingPfns[0], RingPfns[4]]);
    }
}
