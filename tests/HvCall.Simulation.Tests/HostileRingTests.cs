using System;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Abi.Messages;
using Xunit;
using static HvCall.Simulation.Tests.HostileGuest;

namespace HvCall.Simulation.Tests;

/// <summary>
/// A guest that corrupts the ring of its open echo channel and signals: the host stops servicing that channel
/// (HostChannel.Broken, an error recorded), nothing throws, the control path still works, and no guest page
/// outside the ring GPADL changes (vmbus-datapath.md §3 indices, §4 descriptor, §5 signalling). Well-formed packets,
/// one of them wrapping the ring's end, are the control cases.
/// </summary>
public sealed class HostileRingTests
{
    private const uint Echo = 5;
    private const uint Gpadl = 0xE1E10;
    private const int DataSize = 3 * 4096;
    // [upstream: control 0x400, data 0x402 0x404 0x406 | downstream: control 0x408, data 0x40A 0x40C 0x40E]; the odd
    // pages between them, and 0x3F0..0x41F around them, carry a pattern and are not in the GPADL.
    private static readonly ulong[] RingPfns = [0x400, 0x402, 0x404, 0x406, 0x408, 0x40A, 0x40C, 0x40E];

    private sealed class Channel(HostileGuest guest)
    {
        public HostileGuest Guest { get; } = guest;

        public void Data(bool upstream, int offset, ReadOnlySpan<byte> bytes)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                var at = (offset + i) % DataSize;
                Assert.True(Guest.Memory.TryWrite(DataPage(upstream, at) + (ulong)(at % 4096), bytes.Slice(i, 1)));
            }
        }

        public byte[] Read(bool upstream, int offset, int length)
        {
            var bytes = new byte[length];
            for (var i = 0; i < length; i++)
            {
                var at = (offset + i) % DataSize;
                Assert.True(Guest.Memory.TryRead(DataPage(upstream, at) + (ulong)(at % 4096), bytes.AsSpan(i, 1)));
            }
            return bytes;
        }

        /// <summary>A u32 of a control page: write_index @0, read_index @4, interrupt_mask @8 (§3).</summary>
        public void Control(bool upstream, int offset, uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            Assert.True(Guest.Memory.TryWrite(RingPfns[upstream ? 0 : 4] * 4096 + (ulong)offset, bytes));
        }

        public uint Control(bool upstream, int offset)
        {
            Span<byte> bytes = stackalloc byte[4];
            Assert.True(Guest.Memory.TryRead(RingPfns[upstream ? 0 : 4] * 4096 + (ulong)offset, bytes));
            return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        }

        /// <summary>An in-band packet at <paramref name="start"/>: descriptor, payload padded to 8, trailer (start &lt;&lt; 32); returns its end.</summary>
        public int Packet(int start, ulong transactionId, byte[] payload, ushort type = 6, ushort offset8 = 2, ushort? len8 = null, ushort flags = 0)
        {
            var padded = (payload.Length + 7) & ~7;
            var packet = new byte[16 + padded + 8];
            BinaryPrimitives.WriteUInt16LittleEndian(packet, type);
            BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(2), offset8);
            BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(4), len8 ?? (ushort)((16 + padded) / 8));
            BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(6), flags);
            BinaryPrimitives.WriteUInt64LittleEndian(packet.AsSpan(8), transactionId);
            payload.CopyTo(packet, 16);
            BinaryPrimitives.WriteUInt64LittleEndian(packet.AsSpan(16 + padded), (ulong)start << 32);
            Data(upstream: true, start, packet);
            return (start + packet.Length) % DataSize;
        }

        /// <summary>HvCallSignalEvent on the echo offer's connection id, flag 0.</summary>
        public void Signal() =>
            Assert.Equal(HvStatus.Success, Guest.Vp.Hypercalls.SignalEvent(new HvConnectionId(SimulationHarness.ConnectionIdBase | Echo)).Status);

        private static ulong DataPage(bool upstream, int at) => RingPfns[(upstream ? 1 : 5) + at / 4096] * 4096;
    }

    /// <summary>Channel 5 opened over the 8-page GPADL, upstream indexes both at <paramref name="upstreamStart"/>.</summary>
    private static Channel OpenEcho(int upstreamStart = 0)
    {
        var guest = Connect();
        guest.Fill(0x3F0, 0x30);
        Assert.True(guest.Memory.TryWrite(RingPfns[0] * 4096, new byte[4096]));
        Assert.True(guest.Memory.TryWrite(RingPfns[4] * 4096, new byte[4096]));
        var channel = new Channel(guest);
        channel.Control(upstream: true, 0, (uint)upstreamStart);
        channel.Control(upstream: true, 4, (uint)upstreamStart);
        Assert.Equal(0u, guest.CreateGpadl(Echo, Gpadl, RingPfns));
        Assert.Equal(0u, guest.Open(Echo, Gpadl, 0, 4));
        Assert.Empty(guest.Host.Errors);
        return channel;
    }

    private static byte[] Payload(int length, int seed)
    {
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
            payload[i] = (byte)(seed + i * 13);
        return payload;
    }

    [Theory]
    [InlineData(0, 24)]
    [InlineData(DataSize - 16, 16)]   // descriptor in the last 16 bytes, payload and trailer wrap to the start
    [InlineData(DataSize - 40, 100)]  // payload itself wraps
    public void WellFormedPacket_IsEchoed_AndOnlyRingPagesChange(int start, int length)
    {
        var channel = OpenEcho(start);
        var guest = channel.Guest;
        var before = guest.Snapshot();
        var payload = Payload(length, start);
        var end = channel.Packet(start, 0x1234, payload);
        channel.Control(upstream: true, 0, (uint)end);
        channel.Signal();
        Assert.Empty(guest.Settle());

        var host = guest.Host.OpenChannels[Echo];
        Assert.Equal((1L, 1L, false), (host.PacketsReceived, host.PacketsSent, host.Broken));
        Assert.Equal((uint)end, channel.Control(upstream: true, 4)); // the host consumed it
        // The echo at the start of the downstream ring: same type, offset8 2, len8, transaction id, payload, trailer.
        var padded = (length + 7) & ~7;
        var echo = channel.Read(upstream: false, 0, 16 + padded + 8);
        Assert.Equal((6, 2, (16 + padded) / 8, 0), (BinaryPrimitives.ReadUInt16LittleEndian(echo), BinaryPrimitives.ReadUInt16LittleEndian(echo.AsSpan(2)),
            BinaryPrimitives.ReadUInt16LittleEndian(echo.AsSpan(4)), BinaryPrimitives.ReadUInt16LittleEndian(echo.AsSpan(6))));
        Assert.Equal(0x1234UL, BinaryPrimitives.ReadUInt64LittleEndian(echo.AsSpan(8)));
        Assert.Equal(payload, echo.AsSpan(16, length).ToArray());
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(echo.AsSpan(16 + padded)));
        Assert.Equal((uint)(16 + padded + 8), channel.Control(upstream: false, 0));
        // The downstream ring was empty and unmasked: the host set event flag relid 5 in VP 0's SINT 2 area (bytes 512..767).
        Assert.NotEqual(0, guest.Vp.EventFlagsPage.Span[512] & (1 << (int)Echo));
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
        var channel = OpenEcho();
        var guest = channel.Guest;
        if (type >= 0)
            channel.Packet(0, 7, Payload(24, 1), (ushort)type, (ushort)offset8, (ushort)len8, (ushort)flags);
        channel.Control(upstream: true, 0, unchecked((uint)writeIndex));
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
        var channel = OpenEcho();
        var guest = channel.Guest;
        // Two 6000-byte echoes (6024 ring bytes each) fill the 12288-byte downstream ring but for 240 bytes; the
        // guest never reads them, and then claims a read index that is not a multiple of 8.
        var at = 0;
        for (var i = 1; i <= 2; i++)
        {
            at = channel.Packet(at, (ulong)i, Payload(6000, i));
            channel.Control(upstream: true, 0, (uint)at);
            channel.Signal();
            Assert.Empty(guest.Settle());
        }
        Assert.Equal(2L, guest.Host.OpenChannels[Echo].PacketsSent);
        channel.Control(upstream: false, 4, 13);
        at = channel.Packet(at, 3, Payload(6000, 3));
        channel.Control(upstream: true, 0, (uint)at);
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
