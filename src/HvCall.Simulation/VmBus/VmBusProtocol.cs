using System;
using System.Buffers.Binary;
using System.Collections.Immutable;

namespace HvCall.Simulation.VmBus;

/// <summary>VMBus channel-management message types (<c>enum vmbus_channel_message_type</c>).</summary>
public enum VmBusMessageType : uint
{
    /// <summary>Host offers a channel.</summary>
    OfferChannel = 1,
    /// <summary>Guest asks for the offers.</summary>
    RequestOffers = 3,
    /// <summary>Host has sent every offer.</summary>
    AllOffersDelivered = 4,
    /// <summary>Guest proposes a protocol version.</summary>
    InitiateContact = 14,
    /// <summary>Host accepts or refuses the version.</summary>
    VersionResponse = 15,
    /// <summary>Guest disconnects.</summary>
    Unload = 16,
    /// <summary>Host acknowledges the disconnect.</summary>
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

/// <summary>Synthetic devices the simulated host offers, with their real interface GUIDs.</summary>
public static class VmBusDevices
{
    /// <summary>Synthetic network adapter (hv_netvsc).</summary>
    public static Guid Network { get; } = new("f8615163-df3e-46c5-913f-f2d2f965ed0e");
    /// <summary>Synthetic SCSI controller (hv_storvsc).</summary>
    public static Guid Storage { get; } = new("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
    /// <summary>Heartbeat integration component (hv_utils).</summary>
    public static Guid Heartbeat { get; } = new("57164f39-9115-4e78-ab55-382f3bd5422d");

    /// <summary>The default device set: network, storage, heartbeat.</summary>
    public static ImmutableArray<(string Name, Guid Type)> Default { get; } =
        [("network", Network), ("storage", Storage), ("heartbeat", Heartbeat)];

    /// <summary>The name of a known interface type, or its GUID.</summary>
    /// <param name="type">The interface type.</param>
    public static string NameOf(Guid type)
    {
        foreach (var (name, guid) in Default)
        {
            if (guid == type)
                return name;
        }
        return type.ToString();
    }
}
