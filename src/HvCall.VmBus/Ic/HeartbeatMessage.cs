using System;
using System.Buffers.Binary;

namespace HvCall.VmBus.Ic;

/// <summary>
/// HEARTBEAT (type 1), both roles. "Every two seconds, Hyper-V send us a heartbeat request message" (UTIL); the
/// guest adds one to <c>seq_num</c> and echoes the packet. Body: <c>seq_num</c> u64 @28, then reserved.
/// </summary>
/// <remarks>
/// <para>vmbus-datapath.md §6, "Heartbeat (type 1)".</para>
/// <para><b>The sheet's disagreement, and our choice.</b> Linux <c>heartbeat_msg_data</c> is <c>seq_num</c> u64 +
/// reserved u32[8] = 40 bytes; OpenVMM <c>HeartbeatMessage</c> is <c>seq_num</c> u64 + <c>application_state</c> u32
/// + 4 reserved = 16 bytes (and OpenVMM has no heartbeat host device). Our host sends Linux's 40-byte body
/// (<see cref="BodySize"/>, all reserved bytes zero; payload <see cref="RequestLength"/> = 68). Our guest, like
/// Linux, accepts any body of at least 8 bytes (<c>recvlen ≥ ICMSG_HDR + sizeof(u64)</c>: "the host may not fill
/// [the reserved area] up entirely"), so both bodies, and shorter ones, are answered.</para>
/// </remarks>
public static class HeartbeatMessage
{
    /// <summary>Payload offset of <c>seq_num</c> u64 (28).</summary>
    public const int SequenceOffset = IcFraming.BodyOffset;
    /// <summary>The body our host sends: Linux <c>heartbeat_msg_data</c>, seq u64 + u32[8] = 40 bytes.</summary>
    public const int BodySize = 40;
    /// <summary>OpenVMM <c>HeartbeatMessage</c>: seq u64 + <c>application_state</c> u32 + 4 reserved = 16 bytes.</summary>
    public const int OpenVmmBodySize = 16;
    /// <summary>The smallest body either side accepts: <c>seq_num</c> alone (8).</summary>
    public const int MinimumBodySize = sizeof(ulong);
    /// <summary>The request payload our host writes: 8 + 20 + 40 = 68 bytes (84 with the descriptor, 88 padded).</summary>
    public const int RequestLength = IcFraming.BodyOffset + BodySize;
    /// <summary>The smallest payload the guest answers: 28 + 8 = 36 bytes.</summary>
    public const int MinimumRequestLength = IcFraming.BodyOffset + MinimumBodySize;

    /// <summary>
    /// Host role: writes a heartbeat request: pipe {1, 60}; IC header {fw, type 1, msg, <c>icmsgsize</c> 40,
    /// status 0, id 0, flags 0x03}; <c>seq_num</c> @28; 32 reserved zero bytes.
    /// </summary>
    /// <param name="payload">The payload buffer; at least 68 bytes.</param>
    /// <param name="framework">The negotiated framework version.</param>
    /// <param name="message">The negotiated heartbeat version.</param>
    /// <param name="sequence">This round's <c>seq_num</c>.</param>
    /// <returns><see cref="RequestLength"/> (68).</returns>
    /// <exception cref="ArgumentException">The buffer is shorter than 68 bytes.</exception>
    public static int WriteRequest(Span<byte> payload, IcVersion framework, IcVersion message, ulong sequence)
    {
        var header = IcMessageHeader.HostRequest(IcMessageType.Heartbeat, framework, message, BodySize);
        var length = IcFraming.WriteHeaders(payload, header);
        var body = payload.Slice(IcFraming.BodyOffset, BodySize);
        body.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(body, sequence);
        return length;
    }

    /// <summary>
    /// Host role: checks the guest's answer: every framing check of <see cref="IcFraming.ReadResponse"/> (flags
    /// TRANSACTION|RESPONSE, id 0, body bounded by <c>icmsgsize</c> and the packet); type must be HEARTBEAT (else
    /// stale); the body must hold <c>seq_num</c>; <c>seq_num</c> must be <paramref name="sentSequence"/> + 1,
    /// wrapping at 2^64 as Linux's u64 <c>+= 1</c> does.
    /// </summary>
    /// <param name="payload">The received payload (after the descriptor), any length.</param>
    /// <param name="sentSequence">The <c>seq_num</c> of the request.</param>
    /// <param name="returnedSequence">The <c>seq_num</c> the guest returned, when the body held one; otherwise 0.</param>
    /// <returns><see cref="IcReadStatus.Ok"/> or the reason for refusal.</returns>
    public static IcReadStatus ReadResponse(ReadOnlySpan<byte> payload, ulong sentSequence, out ulong returnedSequence)
    {
        returnedSequence = 0;
        var status = IcFraming.ReadResponse(payload, out var header, out var body);
        if (status != IcReadStatus.Ok)
            return status;
        if (header.MessageType != IcMessageType.Heartbeat)
            return IcReadStatus.UnexpectedMessageType;
        if (body.Length < MinimumBodySize)
            return IcReadStatus.BodyTooShort;
        returnedSequence = BinaryPrimitives.ReadUInt64LittleEndian(body);
        return returnedSequence == unchecked(sentSequence + 1) ? IcReadStatus.Ok : IcReadStatus.SequenceMismatch;
    }

    /// <summary>
    /// Guest role, as Linux <c>heartbeat_onchannelcallback</c>: requires at least 28 + 8 bytes and type HEARTBEAT,
    /// then <c>seq_num</c> += 1 (wrapping) and <c>icflags</c> = 0x05; everything else is echoed, including the pipe
    /// header, <c>icmsgsize</c>, <c>status</c> and the reserved bytes.
    /// </summary>
    /// <param name="payload">The received payload, rewritten in place; send all of it back.</param>
    /// <param name="sequence">The new <c>seq_num</c> written back, or 0 when not answered.</param>
    /// <returns><see cref="IcAnswerStatus.Answered"/> or a reject status with the payload untouched.</returns>
    public static IcAnswerStatus AnswerInPlace(Span<byte> payload, out ulong sequence)
    {
        sequence = 0;
        var check = IcFraming.CheckRequest(payload, IcMessageType.Heartbeat);
        if (check != IcAnswerStatus.Answered)
            return check;
        if (payload.Length < MinimumRequestLength)
            return IcAnswerStatus.TooShortForBody;
        var seq = payload.Slice(SequenceOffset, sizeof(ulong));
        sequence = unchecked(BinaryPrimitives.ReadUInt64LittleEndian(seq) + 1);
        BinaryPrimitives.WriteUInt64LittleEndian(seq, sequence);
        IcFraming.MarkResponse(payload);
        return IcAnswerStatus.Answered;
    }
}
