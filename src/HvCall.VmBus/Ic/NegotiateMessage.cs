using System;
using System.Buffers.Binary;

namespace HvCall.VmBus.Ic;

/// <summary>
/// NEGOTIATE (type 0), host role: the first packet on every IC channel, always sent by the host. Body
/// (<c>icmsg_negotiate</c>; OpenVMM <c>NegotiateMessage</c>): <c>icframe_vercnt</c> u16 @28, <c>icmsg_vercnt</c>
/// u16 @30, reserved u32 @32, then the framework versions followed by the message versions, 4 bytes each, from @36.
/// The guest's in-place answer is <see cref="IcNegotiation"/>.
/// </summary>
/// <remarks>vmbus-datapath.md §6, "Negotiate body", "Who sends first" and the worked wire example.</remarks>
public static class NegotiateMessage
{
    /// <summary>Payload offset of <c>icframe_vercnt</c> u16 (28).</summary>
    public const int FrameworkCountOffset = IcFraming.BodyOffset;
    /// <summary>Payload offset of <c>icmsg_vercnt</c> u16 (30).</summary>
    public const int MessageCountOffset = IcFraming.BodyOffset + 2;
    /// <summary>Payload offset of the reserved u32 (32).</summary>
    public const int ReservedOffset = IcFraming.BodyOffset + 4;
    /// <summary>Payload offset of the first version entry (36).</summary>
    public const int VersionsOffset = IcFraming.BodyOffset + FixedBodySize;
    /// <summary>The body before the version table: two counts and a reserved u32 (8).</summary>
    public const int FixedBodySize = 8;
    /// <summary>IC_VERSION_NEGOTIATION_MAX_VER_COUNT: Linux refuses more than 100 versions in either list.</summary>
    public const int MaxVersionCount = 100;
    /// <summary>The body of an accepted answer: counts 1/1 + reserved + two versions (16; Linux <c>icmsgsize = 0x10</c>).</summary>
    public const int ResponseBodySize = FixedBodySize + (2 * IcVersion.Size);

    /// <summary>Payload of the heartbeat negotiate the sheet's worked example shows: fw {1.0, 3.0}, hb {3.0} → 48 bytes.</summary>
    public const int HostHeartbeatRequestLength = 48;
    /// <summary>Payload of OpenVMM's shutdown negotiate: fw {1.0, 3.0}, shutdown {1.0, 3.0, 3.1, 3.2} → 60 bytes.</summary>
    public const int HostShutdownRequestLength = 60;

    /// <summary>
    /// The payload length of a NEGOTIATE with these counts: 28 + 8 + 4·(fc+mc). The guest echoes the same length.
    /// </summary>
    /// <param name="frameworkCount">Framework versions listed.</param>
    /// <param name="messageCount">Message versions listed.</param>
    public static int RequestLength(int frameworkCount, int messageCount) =>
        VersionsOffset + (IcVersion.Size * (frameworkCount + messageCount));

    /// <summary>
    /// Host role: writes a NEGOTIATE request as OpenVMM does (OV-IC <c>negotiate</c>): pipe {1, msgsize}; IC header
    /// {fw 0.0, type 0, msg 0.0, <c>icmsgsize</c> = 8 + 4·(counts), status 0, id 0, flags 0x03}; counts; reserved 0;
    /// framework list, then message list, in the given order.
    /// </summary>
    /// <param name="payload">The payload buffer (after the descriptor); at least <see cref="RequestLength"/> bytes.</param>
    /// <param name="frameworkVersions">Framework versions to offer (OpenVMM: <see cref="IcVersions.HostFramework"/>).</param>
    /// <param name="messageVersions">Service versions to offer (e.g. <see cref="IcVersions.HostShutdown"/>).</param>
    /// <returns>The payload length, 28 + 8 + 4·(fc+mc).</returns>
    /// <exception cref="ArgumentException">The buffer is too small or the request exceeds <see cref="IcFraming.MaxPayloadLength"/>.</exception>
    public static int WriteRequest(Span<byte> payload, ReadOnlySpan<IcVersion> frameworkVersions, ReadOnlySpan<IcVersion> messageVersions)
    {
        var bodySize = FixedBodySize + (IcVersion.Size * (frameworkVersions.Length + messageVersions.Length));
        if (bodySize > IcFraming.MaxPayloadLength)
            throw new ArgumentException("The version lists do not fit one IC payload.", nameof(messageVersions));
        var header = IcMessageHeader.HostRequest(IcMessageType.Negotiate, default, default, (ushort)bodySize);
        var length = IcFraming.WriteHeaders(payload, header);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[FrameworkCountOffset..], (ushort)frameworkVersions.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[MessageCountOffset..], (ushort)messageVersions.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[ReservedOffset..], 0);
        var offset = VersionsOffset;
        foreach (var version in frameworkVersions)
        {
            version.WriteTo(payload[offset..]);
            offset += IcVersion.Size;
        }
        foreach (var version in messageVersions)
        {
            version.WriteTo(payload[offset..]);
            offset += IcVersion.Size;
        }
        return length;
    }

    /// <summary>
    /// Host role: reads the guest's NEGOTIATE answer with OpenVMM's checks: every framing check of
    /// <see cref="IcFraming.ReadResponse"/>; a different message type is a stale answer
    /// (<see cref="IcReadStatus.UnexpectedMessageType"/>, drop it); the body (bounded by <c>icmsgsize</c>) must
    /// hold the 8-byte fixed part; counts must be 1/1 ("no supported versions"); then version[0] is the chosen
    /// framework and version[1] the chosen message version.
    /// </summary>
    /// <param name="payload">The received payload (after the descriptor), any length.</param>
    /// <param name="framework">The chosen framework version (default on failure).</param>
    /// <param name="message">The chosen message version (default on failure).</param>
    /// <returns><see cref="IcReadStatus.Ok"/> or the reason for refusal.</returns>
    public static IcReadStatus ReadResponse(ReadOnlySpan<byte> payload, out IcVersion framework, out IcVersion message)
    {
        framework = default;
        message = default;
        var status = IcFraming.ReadResponse(payload, out var header, out var body);
        if (status != IcReadStatus.Ok)
            return status;
        if (header.MessageType != IcMessageType.Negotiate)
            return IcReadStatus.UnexpectedMessageType;
        if (body.Length < FixedBodySize)
            return IcReadStatus.BodyTooShort;
        var frameworkCount = BinaryPrimitives.ReadUInt16LittleEndian(body);
        var messageCount = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
        if (frameworkCount != 1 || messageCount != 1)
            return IcReadStatus.NoSupportedVersions;
        if (body.Length < ResponseBodySize)
            return IcReadStatus.VersionTableMissing;
        framework = IcVersion.Read(body[FixedBodySize..]);
        message = IcVersion.Read(body[(FixedBodySize + IcVersion.Size)..]);
        return IcReadStatus.Ok;
    }
}
