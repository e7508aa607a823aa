using System;
using System.Buffers.Binary;

namespace HvCall.Abi.Messages;

/// <summary>
/// A 256-byte SynIC message as it sits in a message page slot: a 16-byte header and a 240-byte payload.
/// Reads and writes a caller's buffer; holds no state.
/// </summary>
/// <remarks>
/// TLFS "Inter-Partition Communication", <c>HV_MESSAGE</c>: MessageType u32 @0, PayloadSize u8 @4,
/// MessageFlags u8 @5 (bit 0 MessagePending), Reserved u16 @6, Sender/Port id u64 @8, Payload @16.
/// </remarks>
public static class HvMessage
{
    /// <summary>Size of a message and of a message page slot.</summary>
    public const int Size = 256;
    /// <summary>Size of the header.</summary>
    public const int HeaderSize = 16;
    /// <summary>The largest payload.</summary>
    public const int MaxPayloadSize = Size - HeaderSize;
    /// <summary>The MessagePending flag, bit 0 of the flags byte.</summary>
    public const byte MessagePendingFlag = 1;

    /// <summary>Offset of MessageType.</summary>
    public const int TypeOffset = 0;
    /// <summary>Offset of PayloadSize.</summary>
    public const int PayloadSizeOffset = 4;
    /// <summary>Offset of MessageFlags.</summary>
    public const int FlagsOffset = 5;
    /// <summary>Offset of the sender (port id) field.</summary>
    public const int SenderOffset = 8;

    /// <summary>The message type (0 = slot free).</summary>
    /// <param name="message">At least 16 bytes.</param>
    public static uint Type(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt32LittleEndian(message);

    /// <summary>The payload size in bytes.</summary>
    /// <param name="message">At least 16 bytes.</param>
    public static byte PayloadSize(ReadOnlySpan<byte> message) => message[PayloadSizeOffset];

    /// <summary>The flags byte.</summary>
    /// <param name="message">At least 16 bytes.</param>
    public static byte Flags(ReadOnlySpan<byte> message) => message[FlagsOffset];

    /// <summary>True when more messages are queued for this SINT (the guest must write EOM after freeing the slot).</summary>
    /// <param name="message">At least 16 bytes.</param>
    public static bool IsMessagePending(ReadOnlySpan<byte> message) => (message[FlagsOffset] & MessagePendingFlag) != 0;

    /// <summary>The sender field; for messages from HvCallPostMessage, the port id.</summary>
    /// <param name="message">At least 16 bytes.</param>
    public static ulong Sender(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt64LittleEndian(message[SenderOffset..]);

    /// <summary>The payload, <see cref="PayloadSize"/> bytes (clamped to 240).</summary>
    /// <param name="message">A whole 256-byte message.</param>
    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> message) =>
        message.Slice(HeaderSize, Math.Min((int)PayloadSize(message), MaxPayloadSize));

    /// <summary>Writes a whole message: header, payload, and zeros after the payload.</summary>
    /// <param name="destination">At least 256 bytes.</param>
    /// <param name="type">The message type.</param>
    /// <param name="sender">The sender (port id).</param>
    /// <param name="payload">At most 240 bytes.</param>
    /// <param name="flags">The flags byte.</param>
    /// <exception cref="ArgumentException">The payload is longer than 240 bytes or the destination shorter than 256.</exception>
    public static void Write(Span<byte> destination, uint type, ulong sender, ReadOnlySpan<byte> payload, byte flags = 0)
    {
        if (payload.Length > MaxPayloadSize)
            throw new ArgumentException($"A SynIC message payload holds at most {MaxPayloadSize} bytes, not {payload.Length}.", nameof(payload));
        var message = destination[..Size];
        BinaryPrimitives.WriteUInt32LittleEndian(message, type);
        message[PayloadSizeOffset] = (byte)payload.Length;
        message[FlagsOffset] = flags;
        BinaryPrimitives.WriteUInt16LittleEndian(message[6..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(message[SenderOffset..], sender);
        payload.CopyTo(message[HeaderSize..]);
        message[(HeaderSize + payload.Length)..].Clear();
    }

    /// <summary>Sets the MessagePending flag in place.</summary>
    /// <param name="message">At least 16 bytes.</param>
    public static void SetMessagePending(Span<byte> message) => message[FlagsOffset] |= MessagePendingFlag;
}
