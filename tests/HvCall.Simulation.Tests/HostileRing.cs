using System;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Abi.Messages;
using Xunit;

namespace HvCall.Simulation.Tests;

/// <summary>
/// A channel (the echo channel, relid 5, unless told otherwise) of a <see cref="HostileGuest"/>, opened over an 8-page ring GPADL whose rings the test
/// writes byte by byte: [upstream: control 0x400, data 0x402 0x404 0x406 | downstream: control 0x408, data 0x40A
/// 0x40C 0x40E]. The odd pages between them, and 0x3F0..0x41F around them, carry a pattern and are not in the GPADL.
/// Layouts from vmbus-datapath.md §3 (control page) and §4 (descriptor, trailer).
/// </summary>
internal sealed class HostileRing
{
    public const uint Echo = 5;
    public const uint Gpadl = 0xE1E10;
    /// <summary>Three data pages per ring.</summary>
    public const int DataSize = 3 * 4096;
    public const int WriteIndex = 0;
    public const int ReadIndex = 4;
    public const int InterruptMask = 8;
    public const int PendingSendSize = 12;
    public const int FeatureBits = 64;
    public static readonly ulong[] RingPfns = [0x400, 0x402, 0x404, 0x406, 0x408, 0x40A, 0x40C, 0x40E];

    private HostileRing(HostileGuest guest, uint relId)
    {
        Guest = guest;
        RelId = relId;
    }

    public HostileGuest Guest { get; }

    /// <summary>The channel: echo (5) unless opened otherwise.</summary>
    public uint RelId { get; }

    /// <summary>
    /// Connects, zeroes both control pages as Linux's hv_ringbuffer_init does (<paramref name="featureBits"/> then
    /// set on both), puts the upstream indexes at <paramref name="upstreamStart"/>, creates the GPADL and opens it.
    /// </summary>
    public static HostileRing OpenEcho(int upstreamStart = 0, uint featureBits = 0) => Open(Echo, upstreamStart, featureBits);

    /// <summary>As <see cref="OpenEcho"/>, for channel <paramref name="relId"/>.</summary>
    public static HostileRing Open(uint relId, int upstreamStart = 0, uint featureBits = 0)
    {
        var guest = HostileGuest.Connect();
        guest.Fill(0x3F0, 0x30);
        Assert.True(guest.Memory.TryWrite(RingPfns[0] * 4096, new byte[4096]));
        Assert.True(guest.Memory.TryWrite(RingPfns[4] * 4096, new byte[4096]));
        var ring = new HostileRing(guest, relId);
        ring.Control(upstream: true, WriteIndex, (uint)upstreamStart);
        ring.Control(upstream: true, ReadIndex, (uint)upstreamStart);
        ring.Control(upstream: true, FeatureBits, featureBits);
        ring.Control(upstream: false, FeatureBits, featureBits);
        Assert.Equal(0u, guest.CreateGpadl(relId, Gpadl, RingPfns));
        Assert.Equal(0u, guest.Open(relId, Gpadl, 0, 4));
        Assert.Empty(guest.Host.Errors);
        return ring;
    }

    public static byte[] Payload(int length, int seed)
    {
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
            payload[i] = (byte)(seed + i * 13);
        return payload;
    }

    /// <summary>Writes ring data at <paramref name="offset"/>, wrapping at the end of the data area.</summary>
    public void Data(bool upstream, int offset, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var at = (offset + i) % DataSize;
            Assert.True(Guest.Memory.TryWrite(DataPage(upstream, at) + (ulong)(at % 4096), bytes.Slice(i, 1)));
        }
    }

    /// <summary>Reads ring data at <paramref name="offset"/>, wrapping.</summary>
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

    /// <summary>Writes a u32 of a control page.</summary>
    public void Control(bool upstream, int offset, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        Assert.True(Guest.Memory.TryWrite(RingPfns[upstream ? 0 : 4] * 4096 + (ulong)offset, bytes));
    }

    /// <summary>Reads a u32 of a control page.</summary>
    public uint Control(bool upstream, int offset)
    {
        Span<byte> bytes = stackalloc byte[4];
        Assert.True(Guest.Memory.TryRead(RingPfns[upstream ? 0 : 4] * 4096 + (ulong)offset, bytes));
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    /// <summary>An in-band packet in the upstream ring at <paramref name="start"/>: descriptor, payload padded to 8, trailer (start &lt;&lt; 32); returns its end.</summary>
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

    /// <summary>Writes a packet, publishes the new write index, and returns it.</summary>
    public int Publish(int start, ulong transactionId, byte[] payload)
    {
        var end = Packet(start, transactionId, payload);
        Control(upstream: true, WriteIndex, (uint)end);
        return end;
    }

    /// <summary>HvCallSignalEvent on the offer's connection id (relid | 0x2000), flag 0.</summary>
    public void Signal() =>
        Assert.Equal(HvStatus.Success, Guest.Vp.Hypercalls.SignalEvent(new HvConnectionId(SimulationHarness.ConnectionIdBase | RelId)).Status);

    /// <summary>Test-and-clear of event flag relid in VP 0's SINT 2 area (bytes 512..767 of the event flags page; relids below 8).</summary>
    public bool TakeInterrupt()
    {
        var flags = Guest.Vp.EventFlagsPage.Span[512..];
        var set = (flags[0] & (1 << (int)RelId)) != 0;
        flags[0] &= unchecked((byte)~(1 << (int)RelId));
        return set;
    }

    private static ulong DataPage(bool upstream, int at) => RingPfns[(upstream ? 1 : 5) + at / 4096] * 4096;
}
