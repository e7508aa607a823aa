using System;
using System.Buffers.Binary;

namespace HvCall.Abi.Messages;

/// <summary>
/// The 256-byte input of HvCallPostMessage (0x5C), read from or written to a caller's buffer.
/// </summary>
/// <remarks>
/// TLFS HvCallPostMessage: ConnectionId u32 @0 (24-bit id, high 8 bits zero), reserved u32 @4,
/// MessageType u32 @8 (non-zero, most significant bit clear), PayloadSize u32 @12 (at most 240),
/// Message[240] @16.
/// </remarks>
public static class PostMessageInput
{
    /// <summary>Size of the input.</summary>
    public const int Size = 256;
    /// <summary>Offset of the payload.</summary>
    public const int PayloadOffset = 16;
    /// <summary>The largest payload.</summary>
    public const int MaxPayloadSize = Size - PayloadOffset;

    /// <summary>The connection id field (all 32 bits).</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static uint ConnectionId(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input);

    /// <summary>The reserved field at offset 4.</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static uint Reserved(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[4..]);

    /// <summary>The message type.</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static uint MessageType(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[8..]);

    /// <summary>The payload size as the caller wrote it (not yet validated).</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static uint PayloadSize(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[12..]);

    /// <summary>The payload, clamped to 240 bytes.</summary>
    /// <param name="input">The whole 256-byte input.</param>
    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> input) =>
        input.Slice(PayloadOffset, (int)Math.Min(PayloadSize(input), (uint)MaxPayloadSize));

    /// <summary>Writes the input; bytes after the payload are zeroed.</summary>
    /// <param name="destination">At least 256 bytes.</param>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="messageType">The message type.</param>
    /// <param name="payload">At most 240 bytes.</param>
    /// <exception cref="ArgumentException">The payload is longer than 240 bytes.</exception>
    public static void Write(Span<byte> destination, HvConnectionId connectionId, uint messageType, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayloadSize)
            throw new ArgumentException($"HvCallPostMessage carries at most {MaxPayloadSize} payload bytes, not {payload.Length}.", nameof(payload));
        var input = destination[..Size];
        BinaryPrimitives.WriteUInt32LittleEndian(input, connectionId.Value);
        BinaryPrimitives.WriteUInt32LittleEndian(input[4..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(input[8..], messageType);
        BinaryPrimitives.WriteUInt32LittleEndian(input[12..], (uint)payload.Length);
        payload.CopyTo(input[PayloadOffset..]);
        input[(PayloadOffset + payload.Length)..].Clear();
    }
}
