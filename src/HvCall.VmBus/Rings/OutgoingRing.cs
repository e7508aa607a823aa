using System;
using System.Buffers.Binary;
using System.Threading;

namespace HvCall.VmBus.Rings;

/// <summary>
/// The producer's side of one ring: writes packets (descriptor, payload, padding, trailer) at a private
/// write index and publishes them with <see cref="Commit"/>, which says whether the consumer must be
/// signalled. The ring never signals by itself.
/// </summary>
/// <remarks>
/// vmbus-datapath.md §3–§5; vmbus-room.md §2–§3. The producer's own write index is read from the ring
/// once, at open, and trusted only from its private copy afterwards; the consumer's read index is
/// re-read only when the cached copy shows too little room, and validated each time. At least 8 bytes
/// always stay free (read == write means empty), so <see cref="Free"/> already subtracts them.
/// </remarks>
public sealed class OutgoingRing
{
    private readonly RingMemory _memory;
    private readonly RingControl _control;
    private readonly int _size;
    private int _write;
    private int _published;
    private int _readCache;

    /// <summary>Opens the producer side of <paramref name="memory"/> at the write index the ring holds now.</summary>
    /// <param name="memory">The ring.</param>
    public OutgoingRing(RingMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _memory = memory;
        _control = new RingControl(memory);
        _size = memory.DataSize;
        var write = _control.WriteIndex;
        var read = _control.ReadIndex;
        Status = IsValidIndex(write) && IsValidIndex(read) ? RingStatus.Ok : RingStatus.InvalidRingIndex;
        _write = _published = Status == RingStatus.Ok ? (int)write : 0;
        _readCache = Status == RingStatus.Ok ? (int)read : 0;
    }

    /// <summary>The control page.</summary>
    public RingControl Control => _control;

    /// <summary>Bytes of ring data.</summary>
    public int DataSize => _size;

    /// <summary>
    /// The largest packet (descriptor, payload, padding and trailer) the ring can ever take: the data size less
    /// the 8 bytes that must stay free. A larger one is <see cref="RingStatus.PacketTooLarge"/>, never Full.
    /// </summary>
    public int MaxPacketBytes => _size - 8;

    /// <summary><see cref="RingStatus.Ok"/>, or the corruption found (the ring is then unusable).</summary>
    public RingStatus Status { get; private set; }

    /// <summary>Bytes of packets written but not yet committed.</summary>
    public int Uncommitted => Distance(_published, _write);

    /// <summary>True when the consumer has read everything published (its read_index equals the published write index).</summary>
    public bool IsDrained => Status == RingStatus.Ok && _control.ReadIndex == (uint)_published;

    /// <summary>The host's part of opening a channel: feature_bits = 1 and pending_send_sz = 0 on its outgoing ring (OpenVMM).</summary>
    public void InitializeAsHost()
    {
        _control.SetPendingSendSize(0);
        _control.SetFeatureBits(RingControl.FeaturePendingSendSize);
    }

    /// <summary>Bytes of packets that fit now (the 8-byte reserve taken off), from a fresh read of read_index.</summary>
    public int Free()
    {
        RefreshReadIndex();
        return FreeBetween(_readCache, _write);
    }

    /// <summary>The ring bytes a packet of <paramref name="payloadLength"/> in-band bytes takes: descriptor, payload padded to 8, trailer.</summary>
    /// <param name="payloadLength">Payload bytes.</param>
    public static int PacketBytes(int payloadLength) => PacketDescriptor.Size + ((payloadLength + 7) & ~7) + PacketDescriptor.TrailerSize;

    /// <summary>Writes an in-band-shaped packet (in-band or completion) at the private write index; <see cref="Commit"/> publishes it.</summary>
    /// <param name="type">The packet type.</param>
    /// <param name="transactionId">The transaction id.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="flags">Descriptor flags (bit 0: completion requested).</param>
    /// <returns>Ok, Full (nothing written), PacketTooLarge, or the corruption found in the consumer's read index.</returns>
    public RingStatus TryWrite(VmBusPacketType type, ulong transactionId, ReadOnlySpan<byte> payload, ushort flags = 0) =>
        TryWrite(type, transactionId, payload, default, flags);

    /// <summary>Writes a packet whose payload is <paramref name="head"/> followed by <paramref name="body"/>, without staging them.</summary>
    /// <param name="type">The packet type.</param>
    /// <param name="transactionId">The transaction id.</param>
    /// <param name="head">First payload piece (such as a pipe header).</param>
    /// <param name="body">Second payload piece.</param>
    /// <param name="flags">Descriptor flags.</param>
    /// <returns>As <see cref="TryWrite(VmBusPacketType, ulong, ReadOnlySpan{byte}, ushort)"/>.</returns>
    public RingStatus TryWrite(VmBusPacketType type, ulong transactionId, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, ushort flags = 0)
    {
        if (Status != RingStatus.Ok)
            return Status;
        var payloadLength = head.Length + body.Length;
        if (payloadLength > MaxPacketBytes)
            return RingStatus.PacketTooLarge;
        var total = PacketBytes(payloadLength);
        if (total > MaxPacketBytes || (total - PacketDescriptor.TrailerSize) / 8 > ushort.MaxValue)
            return RingStatus.PacketTooLarge;
        if (FreeBetween(_readCache, _write) < total)
        {
            if (!RefreshReadIndex())
                return Status;
            if (FreeBetween(_readCache, _write) < total)
                return RingStatus.Full;
        }
        var start = _write;
        var descriptor = PacketDescriptor.InBand(type, payloadLength, transactionId, flags);
        var padded = (payloadLength + 7) & ~7;
        if (_memory.TryGetContiguous(start, total, out var packet))
        {
            // The whole packet in one page: one span, no splitting.
            descriptor.WriteTo(packet);
            head.CopyTo(packet[PacketDescriptor.Size..]);
            body.CopyTo(packet[(PacketDescriptor.Size + head.Length)..]);
            packet.Slice(PacketDescriptor.Size + payloadLength, padded - payloadLength).Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(packet[(PacketDescriptor.Size + padded)..], (ulong)(uint)start << 32);
            _write = _memory.Advance(start, total);
            return RingStatus.Ok;
        }
        Span<byte> bytes = stackalloc byte[PacketDescriptor.Size];
        descriptor.WriteTo(bytes);
        _memory.Write(start, bytes);
        var at = _memory.Advance(start, PacketDescriptor.Size);
        _memory.Write(at, head);
        at = _memory.Advance(at, head.Length);
        _memory.Write(at, body);
        at = _memory.Advance(at, body.Length);
        var padding = padded - payloadLength;
        if (padding != 0)
        {
            _memory.Clear(at, padding);
            at = _memory.Advance(at, padding);
        }
        Span<byte> trailer = stackalloc byte[PacketDescriptor.TrailerSize];
        BinaryPrimitives.WriteUInt64LittleEndian(trailer, (ulong)(uint)start << 32);
        _memory.Write(at, trailer);
        _write = _memory.Advance(at, PacketDescriptor.TrailerSize);
        return RingStatus.Ok;
    }

    /// <summary>
    /// Publishes what was written since the last commit, then (after a full fence) applies
    /// <see cref="SignalRules.AfterWrite"/>: true when the consumer must be signalled.
    /// </summary>
    public bool Commit()
    {
        if (_write == _published || Status != RingStatus.Ok)
            return false;
        var before = (uint)_published;
        _control.PublishWriteIndex((uint)_write);
        _published = _write;
        Interlocked.MemoryBarrier();
        return SignalRules.AfterWrite(_control.InterruptMask, _control.ReadIndex, before);
    }

    /// <summary>
    /// A blocked producer asks to be signalled when <paramref name="packetBytes"/> are free: sets
    /// pending_send_sz to max(needed, <see cref="MaxPacketBytes"/>/4) rounded up to 8 (OpenVMM, to avoid
    /// ping-pong), fences, and looks again. True when the room is there now: the pending size is cleared
    /// again and the caller should write at once instead of waiting.
    /// </summary>
    /// <param name="packetBytes">The ring bytes of the packet that did not fit (see <see cref="PacketBytes"/>).</param>
    public bool ArmPendingSend(int packetBytes)
    {
        var pending = Math.Min(Math.Max(packetBytes, MaxPacketBytes / 4), MaxPacketBytes);
        _control.SetPendingSendSize((uint)((pending + 7) & ~7));
        Interlocked.MemoryBarrier();
        if (Free() < packetBytes)
            return false;
        _control.SetPendingSendSize(0);
        return true;
    }

    /// <summary>Clears pending_send_sz once the producer can write again (or spurious signals follow).</summary>
    public void ClearPendingSend()
    {
        if (_control.PendingSendSize != 0)
            _control.SetPendingSendSize(0);
    }

    private bool RefreshReadIndex()
    {
        var read = _control.ReadIndex;
        if (!IsValidIndex(read))
        {
            Status = RingStatus.InvalidRingIndex;
            return false;
        }
        _readCache = (int)read;
        return true;
    }

    private bool IsValidIndex(uint index) => index % 8 == 0 && index < (uint)_size;

    private int FreeBetween(int read, int write) => (read > write ? read - write : _size - (write - read)) - 8;

    private int Distance(int from, int to) => to >= from ? to - from : _size - from + to;
}
