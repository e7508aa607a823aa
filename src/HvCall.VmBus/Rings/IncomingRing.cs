using System;
using System.Threading;

namespace HvCall.VmBus.Rings;

/// <summary>
/// The consumer's side of one ring: reads and validates packets at a private read index, publishes the
/// consumption with <see cref="Commit"/> (which says whether the blocked producer must be signalled), and
/// owns the ring's interrupt_mask.
/// </summary>
/// <remarks>
/// vmbus-datapath.md §3–§5; vmbus-room.md §2 "Reading a hostile guest's ring": the write index is loaded
/// once per decision and validated; the 16-byte descriptor is copied out before it is checked and every
/// offset derives from the copy; a packet may not run past the bytes the producer published; nothing
/// outside the ring's pages is ever read. Corruption is a <see cref="RingStatus"/>, never an exception.
/// </remarks>
public sealed class IncomingRing
{
    private readonly RingMemory _memory;
    private readonly RingControl _control;
    private readonly int _size;
    private int _read;
    private int _published;

    /// <summary>Opens the consumer side of <paramref name="memory"/> at the read index the ring holds now.</summary>
    /// <param name="memory">The ring.</param>
    public IncomingRing(RingMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _memory = memory;
        _control = new RingControl(memory);
        _size = memory.DataSize;
        var read = _control.ReadIndex;
        Status = IsValidIndex(read) ? RingStatus.Ok : RingStatus.InvalidRingIndex;
        _read = _published = Status == RingStatus.Ok ? (int)read : 0;
    }

    /// <summary>The control page.</summary>
    public RingControl Control => _control;

    /// <summary>Bytes of ring data.</summary>
    public int DataSize => _size;

    /// <summary><see cref="RingStatus.Ok"/>, or the corruption found (the ring is then unusable).</summary>
    public RingStatus Status { get; private set; }

    /// <summary>The host's part of opening a channel: its incoming ring starts with interrupts masked (OpenVMM).</summary>
    public void InitializeAsHost() => _control.SetInterruptMask(1);

    /// <summary>True when the producer has published bytes past the private read index.</summary>
    public bool HasData => Status == RingStatus.Ok && _control.WriteIndex != (uint)_read;

    /// <summary>
    /// Reads the next packet: copies its payload area (padding included, <paramref name="payloadLength"/> bytes)
    /// into <paramref name="payload"/> and moves the private read index past it; <see cref="Commit"/> publishes.
    /// </summary>
    /// <param name="payload">Receives the payload area.</param>
    /// <param name="descriptor">The validated descriptor copy.</param>
    /// <param name="payloadLength">Bytes of payload area copied.</param>
    /// <returns>Ok; Empty; PacketTooLarge (the packet stays at the head, as Linux's <c>-ENOBUFS</c>); or the corruption found.</returns>
    public RingStatus TryRead(Span<byte> payload, out PacketDescriptor descriptor, out int payloadLength)
    {
        descriptor = default;
        payloadLength = 0;
        if (Status != RingStatus.Ok)
            return Status;
        var write = _control.WriteIndex;
        if (!IsValidIndex(write))
            return Status = RingStatus.InvalidRingIndex;
        if (write == (uint)_read)
            return RingStatus.Empty;
        var available = Distance(_read, (int)write);
        if (available < PacketDescriptor.Size + PacketDescriptor.TrailerSize)
            return Status = RingStatus.InvalidDescriptorLength;
        PacketDescriptor copy;
        if (_memory.TryGetContiguous(_read, PacketDescriptor.Size, out var head))
            copy = PacketDescriptor.Read(head);
        else
        {
            Span<byte> bytes = stackalloc byte[PacketDescriptor.Size];
            _memory.Read(_read, bytes);
            copy = PacketDescriptor.Read(bytes);
        }
        var status = Validate(copy, available);
        if (status != RingStatus.Ok)
            return Status = status;
        if (copy.PayloadLength > payload.Length)
            return RingStatus.PacketTooLarge;
        var payloadOffset = _memory.Advance(_read, copy.DataOffset8 * 8);
        if (_memory.TryGetContiguous(payloadOffset, copy.PayloadLength, out var source))
            source.CopyTo(payload);
        else
            _memory.Read(payloadOffset, payload[..copy.PayloadLength]);
        _read = _memory.Advance(_read, copy.RingBytes);
        descriptor = copy;
        payloadLength = copy.PayloadLength;
        return RingStatus.Ok;
    }

    /// <summary>
    /// Publishes the reads since the last commit, then (after a full fence) applies
    /// <see cref="SignalRules.AfterRead"/>: true when the producer is blocked and now has the room it asked for.
    /// </summary>
    public bool Commit()
    {
        if (_read == _published || Status != RingStatus.Ok)
            return false;
        var consumed = Distance(_published, _read);
        _control.PublishReadIndex((uint)_read);
        _published = _read;
        Interlocked.MemoryBarrier();
        var pending = _control.PendingSendSize;
        if (pending == 0)
            return false;
        var write = _control.WriteIndex;
        if (!IsValidIndex(write))
            return false;
        var freeAfter = (write == (uint)_read ? _size : Distance((int)write, _read)) - 8;
        return SignalRules.AfterRead(_control.FeatureBits, pending, freeAfter - consumed, freeAfter);
    }

    /// <summary>Sets interrupt_mask: the producer need not signal while the consumer is busy reading.</summary>
    public void MaskInterrupts() => _control.SetInterruptMask(1);

    /// <summary>
    /// Clears interrupt_mask, fences, and looks again: true when data arrived meanwhile, so the consumer must
    /// keep reading instead of waiting (otherwise a packet written while masked would never be signalled).
    /// </summary>
    public bool UnmaskInterrupts()
    {
        _control.SetInterruptMask(0);
        Interlocked.MemoryBarrier();
        return HasData;
    }

    private RingStatus Validate(PacketDescriptor descriptor, int available)
    {
        if (descriptor.Type is not (VmBusPacketType.DataInBand or VmBusPacketType.DataUsingTransferPages or
            VmBusPacketType.DataUsingGpaDirect or VmBusPacketType.Completion))
            return RingStatus.InvalidDescriptorType;
        if ((descriptor.Flags & ~PacketDescriptor.CompletionRequested) != 0)
            return RingStatus.InvalidDescriptorFlags;
        if (descriptor.DataOffset8 < PacketDescriptor.Size / 8 || descriptor.DataOffset8 > descriptor.Length8 ||
            descriptor.RingBytes > available)
            return RingStatus.InvalidDescriptorLength;
        return RingStatus.Ok;
    }

    private bool IsValidIndex(uint index) => index % 8 == 0 && index < (uint)_size;

    private int Distance(int from, int to) => to >= from ? to - from : _size - from + to;
}
