using System;
using System.Buffers.Binary;

namespace HvCall.VmBus.Messages;

/// <summary>OPENCHANNEL as the host reads it.</summary>
/// <param name="ChildRelId">The channel (relid from the offer).</param>
/// <param name="OpenId">Makes the request unique; Linux sets it to the relid; the host echoes it.</param>
/// <param name="RingGpadl">The GPADL of the whole ring area, already acknowledged by GPADL_CREATED.</param>
/// <param name="TargetVp">The VP index for host-to-guest interrupts (0xFFFFFFFF: none, as OpenVMM reads it).</param>
/// <param name="DownstreamPageOffset">Page index in the GPADL where the host-to-guest ring starts.</param>
public readonly record struct OpenChannelRequest(uint ChildRelId, uint OpenId, uint RingGpadl, uint TargetVp, uint DownstreamPageOffset);

/// <summary>
/// The channel messages after the offers: open, open result, close, rescind, relid released and the fixed-size
/// GPADL replies and teardown. Each writer clears and fills the whole message and returns it; each reader
/// expects at least the message's size (check <see cref="VmBusProtocol.MinimumSize"/> first).
/// </summary>
/// <remarks>vmbus-datapath.md §1–§2; offsets count from the start of the message, header included.</remarks>
public static class ChannelMessages
{
    /// <summary>OPENCHANNEL: 148 bytes.</summary>
    public const int OpenChannelSize = 148;
    /// <summary>OPENCHANNEL_RESULT: 20 bytes.</summary>
    public const int OpenChannelResultSize = 20;
    /// <summary>CLOSECHANNEL, RESCIND_CHANNELOFFER, RELID_RELEASED: header + relid, 12 bytes.</summary>
    public const int RelIdMessageSize = 12;
    /// <summary>GPADL_CREATED: 20 bytes.</summary>
    public const int GpadlCreatedSize = 20;
    /// <summary>GPADL_TEARDOWN: 16 bytes.</summary>
    public const int GpadlTeardownSize = 16;
    /// <summary>GPADL_TORNDOWN: 12 bytes.</summary>
    public const int GpadlTorndownSize = 12;

    /// <summary>NTSTATUS STATUS_SUCCESS, the status of a successful open or GPADL.</summary>
    public const uint StatusSuccess = 0;
    /// <summary>STATUS_UNSUCCESSFUL as OpenVMM writes it (0x8000FFFF, OV-P).</summary>
    public const uint StatusUnsuccessful = 0x8000_FFFF;

    /// <summary>Writes OPENCHANNEL: relid @8, openid @12, GPADL @16, target VP @20, downstream page offset @24, user data zero.</summary>
    /// <param name="destination">At least 148 bytes.</param>
    /// <param name="request">The fields.</param>
    /// <returns>The 148 bytes written.</returns>
    public static Span<byte> WriteOpenChannel(Span<byte> destination, in OpenChannelRequest request)
    {
        var message = Start(destination, OpenChannelSize, VmBusMessageType.OpenChannel);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], request.ChildRelId);
        BinaryPrimitives.WriteUInt32LittleEndian(message[12..], request.OpenId);
        BinaryPrimitives.WriteUInt32LittleEndian(message[16..], request.RingGpadl);
        BinaryPrimitives.WriteUInt32LittleEndian(message[20..], request.TargetVp);
        BinaryPrimitives.WriteUInt32LittleEndian(message[24..], request.DownstreamPageOffset);
        return message;
    }

    /// <summary>Reads OPENCHANNEL.</summary>
    /// <param name="message">At least 148 bytes.</param>
    public static OpenChannelRequest ReadOpenChannel(ReadOnlySpan<byte> message) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(message[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(message[12..]),
        BinaryPrimitives.ReadUInt32LittleEndian(message[16..]),
        BinaryPrimitives.ReadUInt32LittleEndian(message[20..]),
        BinaryPrimitives.ReadUInt32LittleEndian(message[24..]));

    /// <summary>Writes OPENCHANNEL_RESULT: relid @8, openid @12, status @16.</summary>
    /// <param name="destination">At least 20 bytes.</param>
    /// <param name="childRelId">The channel.</param>
    /// <param name="openId">The request's open id.</param>
    /// <param name="status">0 on success, an NTSTATUS otherwise.</param>
    /// <returns>The 20 bytes written.</returns>
    public static Span<byte> WriteOpenChannelResult(Span<byte> destination, uint childRelId, uint openId, uint status) =>
        WriteThree(destination, OpenChannelResultSize, VmBusMessageType.OpenChannelResult, childRelId, openId, status);

    /// <summary>Reads OPENCHANNEL_RESULT.</summary>
    /// <param name="message">At least 20 bytes.</param>
    public static (uint ChildRelId, uint OpenId, uint Status) ReadOpenChannelResult(ReadOnlySpan<byte> message) => ReadThree(message);

    /// <summary>Writes a header + relid message: CLOSECHANNEL, RESCIND_CHANNELOFFER or RELID_RELEASED.</summary>
    /// <param name="destination">At least 12 bytes.</param>
    /// <param name="type">One of the three types.</param>
    /// <param name="childRelId">The channel.</param>
    /// <returns>The 12 bytes written.</returns>
    public static Span<byte> WriteRelIdMessage(Span<byte> destination, VmBusMessageType type, uint childRelId)
    {
        var message = Start(destination, RelIdMessageSize, type);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], childRelId);
        return message;
    }

    /// <summary>The relid @8 of a CLOSECHANNEL, RESCIND_CHANNELOFFER, RELID_RELEASED or GPADL_TORNDOWN (its GPADL).</summary>
    /// <param name="message">At least 12 bytes.</param>
    public static uint ReadFirstField(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt32LittleEndian(message[8..]);

    /// <summary>Writes GPADL_CREATED: relid @8, GPADL @12, creation status @16.</summary>
    /// <param name="destination">At least 20 bytes.</param>
    /// <param name="childRelId">The channel named in the header.</param>
    /// <param name="gpadl">The GPADL id.</param>
    /// <param name="status">0 on success.</param>
    /// <returns>The 20 bytes written.</returns>
    public static Span<byte> WriteGpadlCreated(Span<byte> destination, uint childRelId, uint gpadl, uint status) =>
        WriteThree(destination, GpadlCreatedSize, VmBusMessageType.GpadlCreated, childRelId, gpadl, status);

    /// <summary>Reads GPADL_CREATED.</summary>
    /// <param name="message">At least 20 bytes.</param>
    public static (uint ChildRelId, uint Gpadl, uint Status) ReadGpadlCreated(ReadOnlySpan<byte> message) => ReadThree(message);

    /// <summary>Writes GPADL_TEARDOWN: relid @8, GPADL @12.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    /// <param name="childRelId">The channel.</param>
    /// <param name="gpadl">The GPADL id.</param>
    /// <returns>The 16 bytes written.</returns>
    public static Span<byte> WriteGpadlTeardown(Span<byte> destination, uint childRelId, uint gpadl)
    {
        var message = Start(destination, GpadlTeardownSize, VmBusMessageType.GpadlTeardown);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], childRelId);
        BinaryPrimitives.WriteUInt32LittleEndian(message[12..], gpadl);
        return message;
    }

    /// <summary>Reads GPADL_TEARDOWN.</summary>
    /// <param name="message">At least 16 bytes.</param>
    public static (uint ChildRelId, uint Gpadl) ReadGpadlTeardown(ReadOnlySpan<byte> message) =>
        (BinaryPrimitives.ReadUInt32LittleEndian(message[8..]), BinaryPrimitives.ReadUInt32LittleEndian(message[12..]));

    /// <summary>Writes GPADL_TORNDOWN: GPADL @8.</summary>
    /// <param name="destination">At least 12 bytes.</param>
    /// <param name="gpadl">The GPADL id.</param>
    /// <returns>The 12 bytes written.</returns>
    public static Span<byte> WriteGpadlTorndown(Span<byte> destination, uint gpadl)
    {
        var message = Start(destination, GpadlTorndownSize, VmBusMessageType.GpadlTorndown);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], gpadl);
        return message;
    }

    private static Span<byte> Start(Span<byte> destination, int size, VmBusMessageType type)
    {
        var message = destination[..size];
        message.Clear();
        VmBusProtocol.WriteHeader(message, type);
        return message;
    }

    private static Span<byte> WriteThree(Span<byte> destination, int size, VmBusMessageType type, uint a, uint b, uint c)
    {
        var message = Start(destination, size, type);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], a);
        BinaryPrimitives.WriteUInt32LittleEndian(message[12..], b);
        BinaryPrimitives.WriteUInt32LittleEndian(message[16..], c);
        return message;
    }

    private static (uint, uint, uint) ReadThree(ReadOnlySpan<byte> message) => (
        BinaryPrimitives.ReadUInt32LittleEndian(message[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(message[12..]),
        BinaryPrimitives.ReadUInt32LittleEndian(message[16..]));
}
