using System;
using System.Buffers.Binary;

namespace HvCall.Abi.Messages;

/// <summary>
/// The 280-byte input of HvCallPostMessageDirect (0xC1), read from or written to a caller's buffer: a root
/// partition writes a whole SynIC message into a VP's message slot directly, without a port.
/// </summary>
/// <remarks>
/// <para>Layout of Linux (out-of-tree mshv) <c>hv_input_post_message_direct</c> and OpenVMM
/// <c>hvdef::hypercall::PostMessageDirect</c> (vmbus-datapath sheet §7): PartitionId u64 @0, VpIndex u32 @8,
/// Vtl u8 @12, 3 padding bytes @13, SintIndex u32 @16 (OpenVMM: a u8 and 3 padding bytes), the whole 256-byte
/// <c>HV_MESSAGE</c> @20 (16-byte header: type, payload size, flags, reserved, sender; then 240 payload
/// bytes; see <see cref="HvMessage"/>), Padding2 u32 @276: 280 bytes.</para>
/// <para>The TLFS web page draws another layout (SintIndex u8 @13, a 240-byte Message @16, no Padding2).
/// HvCall follows Linux and OpenVMM, which use the call against real Hyper-V, and treats the TLFS table as
/// wrong. The padding fields carry whatever the caller's page held (Linux does not clear its input page), so
/// readers never require them to be zero.</para>
/// </remarks>
public static class PostMessageDirectInput
{
    /// <summary>Size of the input.</summary>
    public const int Size = 280;
    /// <summary>Offset of PartitionId (u64).</summary>
    public const int PartitionIdOffset = 0;
    /// <summary>Offset of VpIndex (u32).</summary>
    public const int VpIndexOffset = 8;
    /// <summary>Offset of Vtl (u8).</summary>
    public const int VtlOffset = 12;
    /// <summary>Offset of the 3 padding bytes after Vtl.</summary>
    public const int PaddingOffset = 13;
    /// <summary>Offset of SintIndex (u32).</summary>
    public const int SintIndexOffset = 16;
    /// <summary>Offset of the whole 256-byte message.</summary>
    public const int MessageOffset = 20;
    /// <summary>Offset of Padding2 (u32), after the message.</summary>
    public const int Padding2Offset = MessageOffset + HvMessage.Size;

    /// <summary>The target partition id (HV_PARTITION_ID_SELF or a partition id).</summary>
    /// <param name="input">At least 280 bytes.</param>
    public static ulong PartitionId(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt64LittleEndian(input);

    /// <summary>The target VP index.</summary>
    /// <param name="input">At least 280 bytes.</param>
    public static uint VpIndex(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[VpIndexOffset..]);

    /// <summary>The target VTL.</summary>
    /// <param name="input">At least 280 bytes.</param>
    public static byte Vtl(ReadOnlySpan<byte> input) => input[VtlOffset];

    /// <summary>The target SINT as Linux's u32 (not yet validated: 0 to 15 is meaningful).</summary>
    /// <param name="input">At least 280 bytes.</param>
    public static uint SintIndex(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[SintIndexOffset..]);

    /// <summary>The whole 256-byte message (read it with <see cref="HvMessage"/>).</summary>
    /// <param name="input">At least 280 bytes.</param>
    public static ReadOnlySpan<byte> Message(ReadOnlySpan<byte> input) => input.Slice(MessageOffset, HvMessage.Size);

    /// <summary>Writes the input around a message already laid out as an <c>HV_MESSAGE</c>; padding is zeroed.</summary>
    /// <param name="destination">At least 280 bytes.</param>
    /// <param name="partitionId">The target partition id.</param>
    /// <param name="vpIndex">The target VP index.</param>
    /// <param name="vtl">The target VTL.</param>
    /// <param name="sintIndex">The target SINT.</param>
    /// <param name="message">The whole 256-byte message.</param>
    /// <exception cref="ArgumentException">The message is not 256 bytes.</exception>
    public static void Write(Span<byte> destination, ulong partitionId, uint vpIndex, byte vtl, uint sintIndex, ReadOnlySpan<byte> message)
    {
        if (message.Length != HvMessage.Size)
            throw new ArgumentException($"HvCallPostMessageDirect carries a whole {HvMessage.Size}-byte message, not {message.Length} bytes.", nameof(message));
        var input = WriteHeader(destination, partitionId, vpIndex, vtl, sintIndex);
        message.CopyTo(input[MessageOffset..]);
    }

    /// <summary>
    /// Writes the input with a message built from its parts: the header (type, payload size, flags 0,
    /// sender), the payload and zeros after it; padding is zeroed.
    /// </summary>
    /// <param name="destination">At least 280 bytes.</param>
    /// <param name="partitionId">The target partition id.</param>
    /// <param name="vpIndex">The target VP index.</param>
    /// <param name="vtl">The target VTL.</param>
    /// <param name="sintIndex">The target SINT.</param>
    /// <param name="messageType">The message type.</param>
    /// <param name="payload">At most 240 bytes.</param>
    /// <param name="sender">The message header's sender (port id) field.</param>
    /// <exception cref="ArgumentException">The payload is longer than 240 bytes; nothing is written.</exception>
    public static void Write(Span<byte> destination, ulong partitionId, uint vpIndex, byte vtl, uint sintIndex,
        uint messageType, ReadOnlySpan<byte> payload, ulong sender = 0)
    {
        if (payload.Length > HvMessage.MaxPayloadSize)
            throw new ArgumentException($"HvCallPostMessageDirect carries at most {HvMessage.MaxPayloadSize} payload bytes, not {payload.Length}.", nameof(payload));
        var input = WriteHeader(destination, partitionId, vpIndex, vtl, sintIndex);
        HvMessage.Write(input[MessageOffset..], messageType, sender, payload);
    }

    private static Span<byte> WriteHeader(Span<byte> destination, ulong partitionId, uint vpIndex, byte vtl, uint sintIndex)
    {
        var input = destination[..Size];
        BinaryPrimitives.WriteUInt64LittleEndian(input, partitionId);
        BinaryPrimitives.WriteUInt32LittleEndian(input[VpIndexOffset..], vpIndex);
        input[VtlOffset] = vtl;
        input.Slice(PaddingOffset, 3).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(input[SintIndexOffset..], sintIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(input[Padding2Offset..], 0);
        return input;
    }
}
