using System;
using System.Buffers.Binary;
using System.Collections.Immutable;

namespace HvCall.VmBus.Messages;

/// <summary>
/// VMBus channel-management message types (<c>enum vmbus_channel_message_type</c>; OpenVMM <c>MessageType</c>).
/// An open set: a value outside the named ones is carried through unchanged.
/// </summary>
/// <remarks>vmbus.md §1; directions: G→H guest to host, H→G host to guest.</remarks>
public enum VmBusMessageType : uint
{
    /// <summary>Not a message.</summary>
    Invalid = 0,
    /// <summary>H→G: a channel offer (196 bytes).</summary>
    OfferChannel = 1,
    /// <summary>H→G: the channel is withdrawn (12 bytes).</summary>
    RescindChannelOffer = 2,
    /// <summary>G→H: send the offers (8 bytes).</summary>
    RequestOffers = 3,
    /// <summary>H→G: every offer has been sent (8 bytes).</summary>
    AllOffersDelivered = 4,
    /// <summary>G→H: open a channel over a ring GPADL (148 bytes).</summary>
    OpenChannel = 5,
    /// <summary>H→G: the open's outcome (20 bytes).</summary>
    OpenChannelResult = 6,
    /// <summary>G→H: close a channel (12 bytes; no reply exists).</summary>
    CloseChannel = 7,
    /// <summary>G→H: first message of a GPADL (20 bytes + ranges).</summary>
    GpadlHeader = 8,
    /// <summary>G→H: more PFNs of a GPADL (16 bytes + PFNs).</summary>
    GpadlBody = 9,
    /// <summary>H→G: a GPADL's outcome (20 bytes).</summary>
    GpadlCreated = 10,
    /// <summary>G→H: tear a GPADL down (16 bytes).</summary>
    GpadlTeardown = 11,
    /// <summary>H→G: the GPADL is gone (12 bytes).</summary>
    GpadlTorndown = 12,
    /// <summary>G→H: the guest has released a rescinded relid (12 bytes).</summary>
    RelIdReleased = 13,
    /// <summary>G→H: propose a protocol version (40 bytes).</summary>
    InitiateContact = 14,
    /// <summary>H→G: the version is accepted or refused (16 bytes).</summary>
    VersionResponse = 15,
    /// <summary>G→H: disconnect (8 bytes).</summary>
    Unload = 16,
    /// <summary>H→G: the disconnect is acknowledged (8 bytes).</summary>
    UnloadResponse = 17,
}

/// <summary>A channel offer as the guest stores it.</summary>
/// <param name="InterfaceType">The device class GUID.</param>
/// <param name="InterfaceInstance">The device instance GUID.</param>
/// <param name="ChildRelId">The channel id (from 1).</param>
/// <param name="ConnectionId">The connection id the guest passes to HvCallSignalEvent.</param>
public sealed record VmBusOffer(Guid InterfaceType, Guid InterfaceInstance, uint ChildRelId, uint ConnectionId);

/// <summary>
/// The VMBus control protocol as Linux speaks it: versions, connection ids and message layouts.
/// Every message is an 8-byte header {msgtype u32, padding u32} plus a body, sent as the payload of
/// HvCallPostMessage (type 1) and received in the SINT 2 message slot.
/// </summary>
public static class VmBusProtocol
{
    /// <summary>The SINT VMBus messages arrive on.</summary>
    public const int MessageSint = 2;
    /// <summary>The SynIC message type of VMBus messages.</summary>
    public const uint SynicMessageType = 1;
    /// <summary>VMBUS_MESSAGE_CONNECTION_ID: where versions below 5.0 are negotiated.</summary>
    public const uint MessageConnectionId = 1;
    /// <summary>VMBUS_MESSAGE_CONNECTION_ID_4: where versions 5.0 and above are negotiated.</summary>
    public const uint MessageConnectionId4 = 4;
    /// <summary>Size of the header.</summary>
    public const int HeaderSize = 8;
    /// <summary>Size of INITIATE_CONTACT.</summary>
    public const int InitiateContactSize = 40;
    /// <summary>Size of VERSION_RESPONSE.</summary>
    public const int VersionResponseSize = 16;
    /// <summary>Size of OFFERCHANNEL.</summary>
    public const int OfferChannelSize = 196;

    /// <summary>Version 5.0 (VERSION_WIN10_V5): from here negotiation uses connection id 4 and a message SINT.</summary>
    public const uint Version50 = 0x0005_0000;

    /// <summary>The versions Linux proposes, newest first (5.3 WS2022 … 2.4 WS2012).</summary>
    public static ImmutableArray<uint> LinuxVersions { get; } =
        [0x0005_0003, 0x0005_0002, 0x0005_0001, 0x0005_0000, 0x0004_0001, 0x0004_0000, 0x0003_0000, 0x0002_0004];

    /// <summary>"5.2" for 0x00050002.</summary>
    /// <param name="version">A version (major &lt;&lt; 16 | minor).</param>
    public static string FormatVersion(uint version) => $"{version >> 16}.{version & 0xFFFF}";

    /// <summary>The message type of a VMBus message.</summary>
    /// <param name="message">The message (at least 8 bytes).</param>
    public static VmBusMessageType TypeOf(ReadOnlySpan<byte> message) =>
        message.Length < HeaderSize ? 0 : (VmBusMessageType)BinaryPrimitives.ReadUInt32LittleEndian(message);

    /// <summary>
    /// The fixed size of a message type (header included): the least a receiver accepts. GPADL_HEADER and
    /// GPADL_BODY carry a variable tail after it. 0 for a type outside the named set.
    /// </summary>
    /// <param name="type">The message type.</param>
    /// <remarks>vmbus.md §1–§2 and vmbus-datapath.md §1–§2 (sizes checked with gcc there).</remarks>
    public static int MinimumSize(VmBusMessageType type) => type switch
    {
        VmBusMessageType.OfferChannel => OfferChannelSize,
        VmBusMessageType.RequestOffers or VmBusMessageType.AllOffersDelivered or
            VmBusMessageType.Unload or VmBusMessageType.UnloadResponse => HeaderSize,
        VmBusMessageType.OpenChannel => 148,
        VmBusMessageType.OpenChannelResult or VmBusMessageType.GpadlHeader or VmBusMessageType.GpadlCreated => 20,
        VmBusMessageType.RescindChannelOffer or VmBusMessageType.CloseChannel or
            VmBusMessageType.RelIdReleased or VmBusMessageType.GpadlTorndown => 12,
        VmBusMessageType.GpadlBody or VmBusMessageType.GpadlTeardown or VmBusMessageType.VersionResponse => 16,
        VmBusMessageType.InitiateContact => InitiateContactSize,
        _ => 0,
    };

    /// <summary>Writes a header-only message (REQUESTOFFERS, ALLOFFERS_DELIVERED, UNLOAD, UNLOAD_RESPONSE).</summary>
    /// <param name="destination">At least 8 bytes.</param>
    /// <param name="type">The message type.</param>
    /// <returns>The 8 bytes written.</returns>
    public static Span<byte> WriteHeader(Span<byte> destination, VmBusMessageType type)
    {
        var message = destination[..HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(message[4..], 0);
        return message;
    }

    /// <summary>Writes INITIATE_CONTACT: version @8, target VP @12, then for 5.0+ the message SINT @16; monitor pages zero.</summary>
    /// <param name="destination">At least 40 bytes.</param>
    /// <param name="version">The proposed version.</param>
    /// <param name="targetVp">The VP host messages go to.</param>
    /// <returns>The 40 bytes written.</returns>
    public static Span<byte> WriteInitiateContact(Span<byte> destination, uint version, uint targetVp)
    {
        var message = destination[..InitiateContactSize];
        message.Clear();
        WriteHeader(message, VmBusMessageType.InitiateContact);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], version);
        BinaryPrimitives.WriteUInt32LittleEndian(message[12..], targetVp);
        if (version >= Version50)
            message[16] = MessageSint;
        return message;
    }

    /// <summary>INITIATE_CONTACT fields.</summary>
    /// <param name="message">The message.</param>
    public static (uint Version, uint TargetVp, byte MessageSint) ReadInitiateContact(ReadOnlySpan<byte> message) =>
        (BinaryPrimitives.ReadUInt32LittleEndian(message[8..]), BinaryPrimitives.ReadUInt32LittleEndian(message[12..]), message[16]);

    /// <summary>Writes VERSION_RESPONSE: supported @8, connection state @9 (0 = successful), message connection id @12.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    /// <param name="supported">Whether the version is accepted.</param>
    /// <param name="messageConnectionId">For 5.0+, the connection id the guest uses from now on.</param>
    /// <returns>The 16 bytes written.</returns>
    public static Span<byte> WriteVersionResponse(Span<byte> destination, bool supported, uint messageConnectionId)
    {
        var message = destination[..VersionResponseSize];
        message.Clear();
        WriteHeader(message, VmBusMessageType.VersionResponse);
        message[8] = supported ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(message[12..], messageConnectionId);
        return message;
    }

    /// <summary>VERSION_RESPONSE fields.</summary>
    /// <param name="message">The message.</param>
    public static (bool Supported, uint MessageConnectionId) ReadVersionResponse(ReadOnlySpan<byte> message) =>
        (message[8] != 0, BinaryPrimitives.ReadUInt32LittleEndian(message[12..]));

    /// <summary>Writes OFFERCHANNEL (196 bytes): GUIDs @8/@24, relid @184, dedicated interrupt @190, connection id @192; no monitor.</summary>
    /// <param name="destination">At least 196 bytes.</param>
    /// <param name="offer">The offer.</param>
    /// <returns>The 196 bytes written.</returns>
    public static Span<byte> WriteOffer(Span<byte> destination, VmBusOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var message = destination[..OfferChannelSize];
        message.Clear();
        WriteHeader(message, VmBusMessageType.OfferChannel);
        offer.InterfaceType.TryWriteBytes(message[8..]);
        offer.InterfaceInstance.TryWriteBytes(message[24..]);
        BinaryPrimitives.WriteUInt32LittleEndian(message[184..], offer.ChildRelId);
        BinaryPrimitives.WriteUInt16LittleEndian(message[190..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(message[192..], offer.ConnectionId);
        return message;
    }

    /// <summary>Reads OFFERCHANNEL.</summary>
    /// <param name="message">The message.</param>
    public static VmBusOffer ReadOffer(ReadOnlySpan<byte> message) => new(
        new Guid(message.Slice(8, 16)),
        new Guid(message.Slice(24, 16)),
        BinaryPrimitives.ReadUInt32LittleEndian(message[184..]),
        BinaryPrimitives.ReadUInt32LittleEndian(message[192..]));
}
