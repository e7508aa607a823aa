using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace HvCall.VmBus.Rings;

/// <summary>
/// The control page of a ring: the only code that touches its shared words. Every read of a peer's
/// word is one <see cref="Volatile.Read(ref readonly uint)"/> into a local; every publication is a
/// <see cref="Volatile.Write(ref uint, uint)"/>.
/// </summary>
/// <remarks>
/// vmbus-datapath.md §3 (Linux <c>struct hv_ring_buffer</c>, OpenVMM <c>Control</c>): write_index u32 @0,
/// read_index u32 @4, interrupt_mask u32 @8, pending_send_sz u32 @12, reserved to @64, feature_bits u32 @64
/// (bit 0: the ring's producer uses pending_send_sz), padded to 4096.
/// </remarks>
public readonly struct RingControl
{
    /// <summary>Byte offset of write_index.</summary>
    public const int WriteIndexOffset = 0;
    /// <summary>Byte offset of read_index.</summary>
    public const int ReadIndexOffset = 4;
    /// <summary>Byte offset of interrupt_mask.</summary>
    public const int InterruptMaskOffset = 8;
    /// <summary>Byte offset of pending_send_sz.</summary>
    public const int PendingSendSizeOffset = 12;
    /// <summary>Byte offset of feature_bits.</summary>
    public const int FeatureBitsOffset = 64;
    /// <summary>feature_bits bit 0, <c>feat_pending_send_sz</c>.</summary>
    public const uint FeaturePendingSendSize = 1;

    private readonly Memory<byte> _page;

    /// <summary>The control page of <paramref name="memory"/>.</summary>
    /// <param name="memory">The ring.</param>
    public RingControl(RingMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _page = memory.Control;
    }

    private ref uint Word(int offset) => ref MemoryMarshal.Cast<byte, uint>(_page.Span)[offset / sizeof(uint)];

    /// <summary>write_index (producer's).</summary>
    public uint WriteIndex => Volatile.Read(ref Word(WriteIndexOffset));
    /// <summary>read_index (consumer's).</summary>
    public uint ReadIndex => Volatile.Read(ref Word(ReadIndexOffset));
    /// <summary>interrupt_mask (consumer's): non-zero asks the producer not to signal empty to non-empty.</summary>
    public uint InterruptMask => Volatile.Read(ref Word(InterruptMaskOffset));
    /// <summary>pending_send_sz (producer's): bytes the blocked producer needs; 0 when not blocked.</summary>
    public uint PendingSendSize => Volatile.Read(ref Word(PendingSendSizeOffset));
    /// <summary>feature_bits.</summary>
    public uint FeatureBits => Volatile.Read(ref Word(FeatureBitsOffset));

    /// <summary>Publishes write_index.</summary>
    /// <param name="value">The index.</param>
    public void PublishWriteIndex(uint value) => Volatile.Write(ref Word(WriteIndexOffset), value);
    /// <summary>Publishes read_index.</summary>
    /// <param name="value">The index.</param>
    public void PublishReadIndex(uint value) => Volatile.Write(ref Word(ReadIndexOffset), value);
    /// <summary>Sets interrupt_mask.</summary>
    /// <param name="value">0 or 1.</param>
    public void SetInterruptMask(uint value) => Volatile.Write(ref Word(InterruptMaskOffset), value);
    /// <summary>Sets pending_send_sz.</summary>
    /// <param name="value">Bytes needed, or 0.</param>
    public void SetPendingSendSize(uint value) => Volatile.Write(ref Word(PendingSendSizeOffset), value);
    /// <summary>Sets feature_bits.</summary>
    /// <param name="value">The bits.</param>
    public void SetFeatureBits(uint value) => Volatile.Write(ref Word(FeatureBitsOffset), value);

    /// <summary>
    /// The guest's initialisation of a ring before OPENCHANNEL (Linux <c>hv_ringbuffer_init</c>): the whole
    /// control page zeroed, indices 0, feature_bits = 1. Done on both rings of a channel.
    /// </summary>
    public void InitializeAsGuest()
    {
        _page.Span.Clear();
        SetFeatureBits(FeaturePendingSendSize);
        Interlocked.MemoryBarrier();
    }
}
