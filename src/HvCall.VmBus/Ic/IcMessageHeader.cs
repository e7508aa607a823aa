using System;
using System.Buffers.Binary;

namespace HvCall.VmBus.Ic;

/// <summary>
/// The 8-byte pipe header at payload offset 0 (Linux <c>vmbuspipe_hdr</c> {flags, msgsize}; OpenVMM <c>PipeHeader</c>
/// {packet_type, len}). OpenVMM offers ICs as message-mode pipes, so every IC payload starts with one.
/// </summary>
/// <param name="PacketType">u32 @0: Linux <c>flags</c>, OpenVMM <c>packet_type</c>. OpenVMM writes 1 and rejects anything else.</param>
/// <param name="MessageSize">u32 @4: <c>msgsize</c>, the bytes after the pipe header (IC header + body).</param>
/// <remarks>vmbus-datapath.md §6, payload layout table. Linux echoes the host's bytes without reading them.</remarks>
public readonly record struct IcPipeHeader(uint PacketType, uint MessageSize)
{
    /// <summary>Bytes on the wire (8).</summary>
    public const int Size = 8;

    /// <summary>PIPE_PACKET_TYPE_DATA (1), the only type OpenVMM writes or accepts.</summary>
    public const uint DataPacketType = 1;

    /// <summary>Reads type u32 @0 and msgsize u32 @4.</summary>
    /// <param name="source">At least 8 bytes (payload offset 0).</param>
    public static IcPipeHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(source),
        BinaryPrimitives.ReadUInt32LittleEndian(source[4..]));

    /// <summary>Writes type u32 @0 and msgsize u32 @4.</summary>
    /// <param name="destination">At least 8 bytes (payload offset 0).</param>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, PacketType);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], MessageSize);
    }
}

/// <summary>
/// The 20-byte IC message header at payload offset 8 (Linux <c>icmsg_hdr</c>; OpenVMM <c>Header</c>), copied out of
/// the payload once so that every later decision uses the copy. Offsets below are from the header's own start;
/// add 8 for the payload offset.
/// </summary>
/// <param name="FrameworkVersion"><c>icverframe</c> @0 (payload @8).</param>
/// <param name="MessageType"><c>icmsgtype</c> u16 @4 (payload @12).</param>
/// <param name="MessageVersion"><c>icvermsg</c> @6 (payload @14).</param>
/// <param name="MessageSize"><c>icmsgsize</c> u16 @10 (payload @18): body bytes after the 28-byte ICMSG_HDR.</param>
/// <param name="Status"><c>status</c> u32 @12 (payload @20).</param>
/// <param name="TransactionId"><c>ictransaction_id</c> u8 @16 (payload @24); OpenVMM sends 0 and requires 0 back.</param>
/// <param name="Flags"><c>icflags</c> u8 @17 (payload @25).</param>
/// <remarks>vmbus-datapath.md §6; reserved u16 @18 (payload @26) is written as 0 and ignored on read.</remarks>
public readonly record struct IcMessageHeader(
    IcVersion FrameworkVersion,
    IcMessageType MessageType,
    IcVersion MessageVersion,
    ushort MessageSize,
    IcStatus Status,
    byte TransactionId,
    IcFlags Flags)
{
    /// <summary>Bytes on the wire (20; gcc-checked <c>sizeof(struct icmsg_hdr)</c>).</summary>
    public const int Size = 20;

    /// <summary>True when <c>icflags</c> has both TRANSACTION and RESPONSE, the bits OpenVMM requires in an answer.</summary>
    public bool IsTransactionResponse => (Flags & (IcFlags.Transaction | IcFlags.Response)) == (IcFlags.Transaction | IcFlags.Response);

    /// <summary>Reads the header from its first byte (payload offset 8).</summary>
    /// <param name="source">At least 20 bytes.</param>
    public static IcMessageHeader Read(ReadOnlySpan<byte> source)
    {
        source = source[..Size];
        return new(
            IcVersion.Read(source),
            (IcMessageType)BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
            IcVersion.Read(source[6..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[10..]),
            (IcStatus)BinaryPrimitives.ReadUInt32LittleEndian(source[12..]),
            source[16],
            (IcFlags)source[17]);
    }

    /// <summary>Writes the header at its first byte (payload offset 8), reserved u16 @18 = 0.</summary>
    /// <param name="destination">At least 20 bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        destination = destination[..Size];
        FrameworkVersion.WriteTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], (ushort)MessageType);
        MessageVersion.WriteTo(destination[6..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], MessageSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], (uint)Status);
        destination[16] = TransactionId;
        destination[17] = (byte)Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[18..], 0);
    }

    /// <summary>
    /// The header of a host request as OpenVMM builds it (OV-IC <c>write_message</c>): status 0, transaction id 0,
    /// flags TRANSACTION|REQUEST (0x03).
    /// </summary>
    /// <param name="type">The message type.</param>
    /// <param name="framework">The negotiated framework version (0.0 in a NEGOTIATE request).</param>
    /// <param name="message">The negotiated message version (0.0 in a NEGOTIATE request).</param>
    /// <param name="bodySize">The body size (<c>icmsgsize</c>).</param>
    public static IcMessageHeader HostRequest(IcMessageType type, IcVersion framework, IcVersion message, ushort bodySize) =>
        new(framework, type, message, bodySize, IcStatus.Ok, 0, IcFlags.Transaction | IcFlags.Request);
}
