using System;
using System.Buffers.Binary;

namespace HvCall.VmBus.Rings;

/// <summary>VMBus packet types (<c>enum vmbus_packet_type</c>).</summary>
/// <remarks>vmbus-datapath.md §4. Ring readers accept only 6, 7, 9 and 11, as OpenVMM's does.</remarks>
public enum VmBusPacketType : ushort
{
    /// <summary>Not a packet.</summary>
    Invalid = 0,
    /// <summary>Data in the packet itself (in-band).</summary>
    DataInBand = 6,
    /// <summary>Data in transfer pages (host to guest, netvsc receive).</summary>
    DataUsingTransferPages = 7,
    /// <summary>Data described by GPA ranges.</summary>
    DataUsingGpaDirect = 9,
    /// <summary>A completion answering a packet that requested one.</summary>
    Completion = 11,
}

/// <summary>
/// The 16-byte descriptor at the start of every packet, copied out of the ring before it is validated
/// (a peer may change ring bytes after they are read; every later offset derives from this copy).
/// </summary>
/// <param name="Type">The packet type.</param>
/// <param name="DataOffset8">Payload offset from the packet start, in 8-byte units (at least 2).</param>
/// <param name="Length8">Whole packet length without the trailer, in 8-byte units.</param>
/// <param name="Flags">Bit 0: completion requested.</param>
/// <param name="TransactionId">The transaction id.</param>
/// <remarks>vmbus-datapath.md §4 (Linux <c>vmpacket_descriptor</c>, OpenVMM <c>PacketDescriptor</c>):
/// type u16 @0, offset8 u16 @2, len8 u16 @4, flags u16 @6, trans_id u64 @8.</remarks>
public readonly record struct PacketDescriptor(VmBusPacketType Type, ushort DataOffset8, ushort Length8, ushort Flags, ulong TransactionId)
{
    /// <summary>Size of a descriptor.</summary>
    public const int Size = 16;
    /// <summary>Size of the trailer after every packet (the packet's start offset in its upper 32 bits).</summary>
    public const int TrailerSize = 8;
    /// <summary>Flags bit 0, <c>VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED</c>.</summary>
    public const ushort CompletionRequested = 1;

    /// <summary>Bytes of payload area (descriptor excluded, padding included).</summary>
    public int PayloadLength => (Length8 - DataOffset8) * 8;

    /// <summary>Bytes the packet takes in the ring, trailer included.</summary>
    public int RingBytes => Length8 * 8 + TrailerSize;

    /// <summary>Writes the 16 bytes.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)Type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], DataOffset8);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Length8);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], TransactionId);
    }

    /// <summary>Reads 16 bytes.</summary>
    /// <param name="source">At least 16 bytes.</param>
    public static PacketDescriptor Read(ReadOnlySpan<byte> source) => new(
        (VmBusPacketType)BinaryPrimitives.ReadUInt16LittleEndian(source),
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));

    /// <summary>
    /// The descriptor of an in-band-shaped packet (in-band or completion) carrying <paramref name="payloadLength"/>
    /// bytes: offset8 = 2, len8 = ALIGN(16 + length, 8) / 8, as Linux <c>vmbus_sendpacket</c> builds it.
    /// </summary>
    /// <param name="type">In-band or completion.</param>
    /// <param name="payloadLength">Payload bytes (at most 0x7FFF8 − 16, the u16 len8 bound).</param>
    /// <param name="transactionId">The transaction id.</param>
    /// <param name="flags">The flags.</param>
    public static PacketDescriptor InBand(VmBusPacketType type, int payloadLength, ulong transactionId, ushort flags = 0) =>
        new(type, Size / 8, (ushort)((Size + payloadLength + 7) / 8), flags, transactionId);
}
