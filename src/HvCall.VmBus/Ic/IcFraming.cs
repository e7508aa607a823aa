using System;
using System.Buffers.Binary;

namespace HvCall.VmBus.Ic;

/// <summary>
/// Framing shared by every IC message: pipe header @0, IC header @8, body @28, all inside the packet PAYLOAD (the
/// bytes after the 16-byte VMBus packet descriptor). Host role: <see cref="WriteHeaders"/> and
/// <see cref="ReadResponse"/> (OpenVMM <c>IcPipe::write_message</c>/<c>read_message</c>). Guest role:
/// <see cref="TryReadRequest"/> and the in-place helpers (Linux hv_utils callbacks).
/// </summary>
/// <remarks>vmbus-datapath.md §6 (payload layout) and §4 (packet format, 4096-byte host→guest limit).</remarks>
public static class IcFraming
{
    /// <summary>The VMBus packet descriptor in front of the payload (16 bytes; §4).</summary>
    public const int PacketDescriptorSize = 16;
    /// <summary>Host→guest packet limit, descriptor included: Linux VMBUS_DEFAULT_MAX_PKT_SIZE 4096 (§4).</summary>
    public const int MaxPacketLength = 4096;
    /// <summary>The largest payload that fits <see cref="MaxPacketLength"/>: 4096 − 16 = 4080.</summary>
    public const int MaxPayloadLength = MaxPacketLength - PacketDescriptorSize;

    /// <summary>Payload offset of the pipe header (0).</summary>
    public const int PipeHeaderOffset = 0;
    /// <summary>Payload offset of the IC header (8, after <c>vmbuspipe_hdr</c>).</summary>
    public const int IcHeaderOffset = IcPipeHeader.Size;
    /// <summary>Payload offset of the body: ICMSG_HDR = 8 + 20 = 28.</summary>
    public const int BodyOffset = IcHeaderOffset + IcMessageHeader.Size;

    /// <summary>Payload offset of <c>icverframe</c> (8).</summary>
    public const int FrameworkVersionOffset = 8;
    /// <summary>Payload offset of <c>icmsgtype</c> u16 (12).</summary>
    public const int MessageTypeOffset = 12;
    /// <summary>Payload offset of <c>icvermsg</c> (14).</summary>
    public const int MessageVersionOffset = 14;
    /// <summary>Payload offset of <c>icmsgsize</c> u16 (18).</summary>
    public const int MessageSizeOffset = 18;
    /// <summary>Payload offset of <c>status</c> u32 (20).</summary>
    public const int StatusOffset = 20;
    /// <summary>Payload offset of <c>ictransaction_id</c> u8 (24).</summary>
    public const int TransactionIdOffset = 24;
    /// <summary>Payload offset of <c>icflags</c> u8 (25).</summary>
    public const int FlagsOffset = 25;

    /// <summary>The flags every guest answer carries: TRANSACTION|RESPONSE (0x05).</summary>
    public const IcFlags ResponseFlags = IcFlags.Transaction | IcFlags.Response;
    /// <summary>The flags every host request carries: TRANSACTION|REQUEST (0x03).</summary>
    public const IcFlags RequestFlags = IcFlags.Transaction | IcFlags.Request;

    /// <summary>
    /// Host role: writes the pipe header {1, 20 + <c>icmsgsize</c>} and <paramref name="header"/>; the caller writes
    /// the body at <see cref="BodyOffset"/>.
    /// </summary>
    /// <param name="payload">The payload buffer (after the descriptor).</param>
    /// <param name="header">The IC header; its <see cref="IcMessageHeader.MessageSize"/> is the body length.</param>
    /// <returns>The payload length: 28 + body.</returns>
    /// <exception cref="ArgumentException">The payload does not fit <paramref name="payload"/> or <see cref="MaxPayloadLength"/> (a caller bug).</exception>
    public static int WriteHeaders(Span<byte> payload, in IcMessageHeader header)
    {
        var length = BodyOffset + header.MessageSize;
        if (length > MaxPayloadLength)
            throw new ArgumentException($"An IC payload of {length} bytes exceeds the {MaxPayloadLength}-byte host→guest limit.", nameof(header));
        if (payload.Length < length)
            throw new ArgumentException($"The IC payload needs {length} bytes; the buffer has {payload.Length}.", nameof(payload));
        new IcPipeHeader(IcPipeHeader.DataPacketType, (uint)(IcMessageHeader.Size + header.MessageSize)).WriteTo(payload);
        header.WriteTo(payload[IcHeaderOffset..]);
        return length;
    }

    /// <summary>
    /// Host role: the checks OpenVMM makes on every guest answer (pipe <c>recv</c> + <c>IcPipe::read_message</c>).
    /// Pipe type must be 1 and <c>msgsize</c> must fit the payload; the IC header must fit the pipe message; flags
    /// must include TRANSACTION and RESPONSE; the transaction id must be 0; the body is the first <c>icmsgsize</c>
    /// bytes after the IC header and must fit the pipe message. The header is copied once; the body is a slice
    /// bounded by both sizes, so a lying size can reach only this payload's bytes.
    /// </summary>
    /// <param name="payload">The received payload (after the descriptor), any length.</param>
    /// <param name="header">The copied IC header (default unless the header could be read).</param>
    /// <param name="body">The body, bounded by <c>icmsgsize</c> and by the packet (empty on failure).</param>
    /// <returns><see cref="IcReadStatus.Ok"/> or the first failed check.</returns>
    public static IcReadStatus ReadResponse(ReadOnlySpan<byte> payload, out IcMessageHeader header, out ReadOnlySpan<byte> body)
    {
        header = default;
        body = default;
        if (payload.Length < IcPipeHeader.Size)
            return IcReadStatus.TooShortForPipeHeader;
        var pipe = IcPipeHeader.Read(payload);
        if (pipe.PacketType != IcPipeHeader.DataPacketType)
            return IcReadStatus.NotDataPipePacket;
        if (pipe.MessageSize > (uint)(payload.Length - IcPipeHeader.Size))
            return IcReadStatus.PipeMessageBeyondPacket;
        var message = payload.Slice(IcPipeHeader.Size, (int)pipe.MessageSize);
        if (message.Length < IcMessageHeader.Size)
            return IcReadStatus.TooShortForIcHeader;
        header = IcMessageHeader.Read(message);
        if (!header.IsTransactionResponse)
            return IcReadStatus.NotTransactionResponse;
        if (header.TransactionId != 0)
            return IcReadStatus.WrongTransactionId;
        if (header.MessageSize > message.Length - IcMessageHeader.Size)
            return IcReadStatus.BodyBeyondMessage;
        body = message.Slice(IcMessageHeader.Size, header.MessageSize);
        return IcReadStatus.Ok;
    }

    /// <summary>
    /// Guest role: copies the IC header of a received request for dispatch. Linux checks only the length
    /// (<c>recvlen &lt; ICMSG_HDR</c> → drop) and never looks at the pipe header.
    /// </summary>
    /// <param name="payload">The received payload (after the descriptor).</param>
    /// <param name="header">The copied IC header, or default.</param>
    /// <returns>False when the payload is shorter than 28 bytes.</returns>
    public static bool TryReadRequest(ReadOnlySpan<byte> payload, out IcMessageHeader header)
    {
        if (payload.Length < BodyOffset)
        {
            header = default;
            return false;
        }
        header = IcMessageHeader.Read(payload[IcHeaderOffset..]);
        return true;
    }

    /// <summary>
    /// Guest role, Linux's answer to a message type the service does not know: <c>status</c> = HV_E_FAIL and
    /// <c>icflags</c> = 0x05, everything else echoed.
    /// </summary>
    /// <param name="payload">The received payload, rewritten in place.</param>
    /// <returns><see cref="IcAnswerStatus.Answered"/>, or <see cref="IcAnswerStatus.TooShortForHeader"/> below 28 bytes.</returns>
    public static IcAnswerStatus AnswerUnsupportedInPlace(Span<byte> payload)
    {
        if (payload.Length < BodyOffset)
            return IcAnswerStatus.TooShortForHeader;
        WriteStatus(payload, IcStatus.Fail);
        MarkResponse(payload);
        return IcAnswerStatus.Answered;
    }

    /// <summary>Reads <c>icmsgtype</c> (payload @12) of a payload already known to hold 28 bytes.</summary>
    internal static IcMessageType MessageTypeOf(ReadOnlySpan<byte> payload) =>
        (IcMessageType)BinaryPrimitives.ReadUInt16LittleEndian(payload[MessageTypeOffset..]);

    /// <summary>Sets <c>icflags</c> (payload @25) to TRANSACTION|RESPONSE (0x05).</summary>
    internal static void MarkResponse(Span<byte> payload) => payload[FlagsOffset] = (byte)ResponseFlags;

    /// <summary>Writes <c>status</c> (payload @20).</summary>
    internal static void WriteStatus(Span<byte> payload, IcStatus status) =>
        BinaryPrimitives.WriteUInt32LittleEndian(payload[StatusOffset..], (uint)status);

    /// <summary>Common guest precondition: at least 28 bytes and the expected <c>icmsgtype</c>.</summary>
    internal static IcAnswerStatus CheckRequest(ReadOnlySpan<byte> payload, IcMessageType expected)
    {
        if (payload.Length < BodyOffset)
            return IcAnswerStatus.TooShortForHeader;
        return MessageTypeOf(payload) == expected ? IcAnswerStatus.Answered : IcAnswerStatus.WrongMessageType;
    }
}

/// <summary>
/// The outcome of a host-role reader (the checks OpenVMM's <c>IcPipe</c> makes on a guest answer). Every value but
/// <see cref="Ok"/> is a refusal; no reader throws, whatever the bytes.
/// </summary>
/// <remarks>
/// vmbus-datapath.md §6 ("Who sends first") and vmbus-room.md (Ic/ row: flags, transaction id, body bounded by
/// <c>message_size</c>, stale responses dropped). Checks run in the order the members are listed.
/// </remarks>
public enum IcReadStatus
{
    /// <summary>The answer passed every check; the out values are valid.</summary>
    Ok = 0,
    /// <summary>Fewer than 8 payload bytes: no pipe header.</summary>
    TooShortForPipeHeader = 1,
    /// <summary>Pipe header type is not PIPE_PACKET_TYPE_DATA (1); OpenVMM <c>InvalidPipePacketType</c>.</summary>
    NotDataPipePacket = 2,
    /// <summary>Pipe <c>msgsize</c> runs past the packet's payload.</summary>
    PipeMessageBeyondPacket = 3,
    /// <summary>The pipe message is shorter than the 20-byte IC header (OpenVMM "missing header").</summary>
    TooShortForIcHeader = 4,
    /// <summary><c>icflags</c> lacks TRANSACTION or RESPONSE (OpenVMM "invalid transaction response").</summary>
    NotTransactionResponse = 5,
    /// <summary><c>ictransaction_id</c> is not 0 (OpenVMM sends 0 and requires 0 back).</summary>
    WrongTransactionId = 6,
    /// <summary><c>icmsgsize</c> runs past the pipe message (OpenVMM "missing message body").</summary>
    BodyBeyondMessage = 7,
    /// <summary>
    /// A well-formed answer of another message type: a stale response from before a channel reset. OpenVMM drops it
    /// and keeps reading ("dropping unexpected message while negotiating versions"); so should the caller.
    /// </summary>
    UnexpectedMessageType = 8,
    /// <summary>The body is shorter than the message's fixed part (negotiate 8 bytes, heartbeat <c>seq_num</c> 8 bytes).</summary>
    BodyTooShort = 9,
    /// <summary>Negotiate counts are not 1/1: OpenVMM "no supported versions".</summary>
    NoSupportedVersions = 10,
    /// <summary>Counts are 1/1 but the body has no room for the two chosen versions (OpenVMM "missing version table").</summary>
    VersionTableMissing = 11,
    /// <summary>Heartbeat <c>seq_num</c> is not the request's plus one.</summary>
    SequenceMismatch = 12,
}

/// <summary>
/// The outcome of a guest-role in-place answer (Linux hv_utils callbacks and <c>vmbus_prep_negotiate_resp</c>).
/// The two <c>Answered</c> values mean the payload was rewritten and should be sent back with its whole received
/// length; every other value means the payload is untouched and Linux would send nothing.
/// </summary>
/// <remarks>vmbus-datapath.md §6, "Linux negotiate answer", "Heartbeat", "Shutdown".</remarks>
public enum IcAnswerStatus
{
    /// <summary>Answered in place (flags 0x05); send the whole received length back.</summary>
    Answered = 0,
    /// <summary>NEGOTIATE answered with counts 0/0: no common version. Still send it; the host reports "no supported versions".</summary>
    AnsweredNoCommonVersion = 1,
    /// <summary>Fewer than 28 bytes (<c>recvlen &lt; ICMSG_HDR</c>): Linux drops the packet.</summary>
    TooShortForHeader = 2,
    /// <summary><c>icmsgtype</c> is not the type this answerer handles; dispatch on <see cref="IcMessageHeader.MessageType"/> first.</summary>
    WrongMessageType = 3,
    /// <summary>NEGOTIATE shorter than 28 + 4: the two counts do not fit.</summary>
    TooShortForCounts = 4,
    /// <summary>NEGOTIATE with a count above 100 (IC_VERSION_NEGOTIATION_MAX_VER_COUNT).</summary>
    TooManyVersions = 5,
    /// <summary>NEGOTIATE whose version table (28 + 8 + 4·(fc+mc)) runs past the received length.</summary>
    VersionListBeyondPacket = 6,
    /// <summary>HEARTBEAT shorter than 28 + 8, or SHUTDOWN shorter than 28 + 2060.</summary>
    TooShortForBody = 7,
}

/// <summary>Helpers on the result enums.</summary>
/// <remarks>vmbus-datapath.md §6.</remarks>
public static class IcResults
{
    /// <summary>True when the guest rewrote the payload and should send it back (Linux <c>vmbus_sendpacket(…, recvlen, …)</c>).</summary>
    /// <param name="status">An answerer's result.</param>
    public static bool ShouldSend(this IcAnswerStatus status) =>
        status is IcAnswerStatus.Answered or IcAnswerStatus.AnsweredNoCommonVersion;

    /// <summary>
    /// True when the host should drop this answer and read the next one rather than fail the channel
    /// (OpenVMM's stale-response rule; only <see cref="IcReadStatus.UnexpectedMessageType"/>).
    /// </summary>
    /// <param name="status">A reader's result.</param>
    public static bool IsStale(this IcReadStatus status) => status == IcReadStatus.UnexpectedMessageType;
}
