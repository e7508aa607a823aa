using System;
using System.Buffers.Binary;

namespace HvCall.VmBus.Ic;

/// <summary>The shutdown body's <c>flags</c> u32 (payload @36; OpenVMM <c>ShutdownFlags</c>).</summary>
/// <remarks>vmbus-datapath.md §6, "Shutdown (type 3)": bit0 force, bit1 restart, bit2 hibernate; 0 is power off.</remarks>
[Flags]
public enum ShutdownFlags : uint
{
    /// <summary>0: power off.</summary>
    PowerOff = 0,
    /// <summary>Bit 0: force (Linux treats 1 like 0, 3 like 2, 5 like 4).</summary>
    Force = 1,
    /// <summary>Bit 1: restart (reboot).</summary>
    Restart = 2,
    /// <summary>Bit 2: hibernate (shutdown version 3.2).</summary>
    Hibernate = 4,
}

/// <summary>What a shutdown request asks for, as Linux's <c>switch (shutdown_msg-&gt;flags)</c> classifies it.</summary>
/// <remarks>vmbus-datapath.md §6: 0/1 power off, 2/3 reboot, 4/5 hibernate, anything else refused.</remarks>
public enum ShutdownAction
{
    /// <summary>Flags 0 or 1: <c>orderly_poweroff</c>.</summary>
    PowerOff = 0,
    /// <summary>Flags 2 or 3: <c>orderly_reboot</c>.</summary>
    Reboot = 1,
    /// <summary>Flags 4 or 5: hibernate (HV_E_FAIL when the guest cannot hibernate).</summary>
    Hibernate = 2,
    /// <summary>Any other flags value: refused with HV_E_FAIL.</summary>
    Unknown = 3,
}

/// <summary>A shutdown request as the guest read it.</summary>
/// <param name="ReasonCode"><c>reason_code</c> u32 @28 (OpenVMM: SHTDN_REASON_FLAG_PLANNED 0x80000000).</param>
/// <param name="TimeoutSeconds"><c>timeout_seconds</c> u32 @32.</param>
/// <param name="Flags"><c>flags</c> u32 @36.</param>
/// <param name="Status">The <c>status</c> the guest wrote into its answer.</param>
/// <remarks>vmbus-datapath.md §6, "Shutdown (type 3)".</remarks>
public readonly record struct ShutdownRequest(uint ReasonCode, uint TimeoutSeconds, ShutdownFlags Flags, IcStatus Status)
{
    /// <summary>The action <see cref="Flags"/> asks for (Linux's flag table).</summary>
    public ShutdownAction Action => ShutdownMessage.Classify(Flags);

    /// <summary>True when bit 0 (force) is set.</summary>
    public bool Force => (Flags & ShutdownFlags.Force) != 0;
}

/// <summary>
/// SHUTDOWN (type 3), both roles. Body (<c>shutdown_msg_data</c>; OpenVMM <c>ShutdownMessage</c>): <c>reason_code</c>
/// u32 @28, <c>timeout_seconds</c> u32 @32, <c>flags</c> u32 @36, <c>display_message</c>[2048] @40: 2060 bytes.
/// Payload 8 + 20 + 2060 = 2088; packet 16 + 2088 = 2104 (+8 trailer in the ring), inside the 4096-byte limit (§4).
/// </summary>
/// <remarks>vmbus-datapath.md §6, "Shutdown (type 3)".</remarks>
public static class ShutdownMessage
{
    /// <summary>Payload offset of <c>reason_code</c> (28).</summary>
    public const int ReasonCodeOffset = IcFraming.BodyOffset;
    /// <summary>Payload offset of <c>timeout_seconds</c> (32).</summary>
    public const int TimeoutOffset = IcFraming.BodyOffset + 4;
    /// <summary>Payload offset of <c>flags</c> (36).</summary>
    public const int FlagsOffset = IcFraming.BodyOffset + 8;
    /// <summary>Payload offset of <c>display_message</c> (40).</summary>
    public const int DisplayMessageOffset = IcFraming.BodyOffset + 12;
    /// <summary>Size of <c>display_message</c> (2048).</summary>
    public const int DisplayMessageSize = 2048;
    /// <summary>The body: 4 + 4 + 4 + 2048 = 2060 bytes; Linux requires all of it.</summary>
    public const int BodySize = 12 + DisplayMessageSize;
    /// <summary>The request payload: 8 + 20 + 2060 = 2088 bytes.</summary>
    public const int RequestLength = IcFraming.BodyOffset + BodySize;
    /// <summary>SHTDN_REASON_FLAG_PLANNED (0x80000000), the reason OpenVMM sends.</summary>
    public const uint ReasonFlagPlanned = 0x8000_0000;

    /// <summary>
    /// Host role: writes a shutdown request as OpenVMM does: pipe {1, 2080}; IC header {fw, type 3, msg,
    /// <c>icmsgsize</c> 2060, status 0, id 0, flags 0x03}; reason, timeout, flags; the display message zero-padded.
    /// </summary>
    /// <param name="payload">The payload buffer; at least 2088 bytes.</param>
    /// <param name="framework">The negotiated framework version.</param>
    /// <param name="message">The negotiated shutdown version.</param>
    /// <param name="flags">What to do (OpenVMM: force bit from the caller, plus restart or hibernate).</param>
    /// <param name="reasonCode">The reason code (OpenVMM: <see cref="ReasonFlagPlanned"/>).</param>
    /// <param name="timeoutSeconds">The timeout (OpenVMM: 0).</param>
    /// <param name="displayMessage">Up to 2048 bytes for <c>display_message</c> (OpenVMM: none, all zero).</param>
    /// <returns><see cref="RequestLength"/> (2088).</returns>
    /// <exception cref="ArgumentException">The buffer is too short or the message longer than 2048 bytes.</exception>
    public static int WriteRequest(
        Span<byte> payload,
        IcVersion framework,
        IcVersion message,
        ShutdownFlags flags,
        uint reasonCode = ReasonFlagPlanned,
        uint timeoutSeconds = 0,
        ReadOnlySpan<byte> displayMessage = default)
    {
        if (displayMessage.Length > DisplayMessageSize)
            throw new ArgumentException($"display_message holds at most {DisplayMessageSize} bytes.", nameof(displayMessage));
        var header = IcMessageHeader.HostRequest(IcMessageType.Shutdown, framework, message, BodySize);
        var length = IcFraming.WriteHeaders(payload, header);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[ReasonCodeOffset..], reasonCode);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[TimeoutOffset..], timeoutSeconds);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[FlagsOffset..], (uint)flags);
        var text = payload.Slice(DisplayMessageOffset, DisplayMessageSize);
        text.Clear();
        displayMessage.CopyTo(text);
        return length;
    }

    /// <summary>
    /// Host role: reads the guest's answer and returns its <c>status</c> (OpenVMM reads only the status; 0 is
    /// success). Every framing check of <see cref="IcFraming.ReadResponse"/> applies; a different message type is
    /// reported as stale (our addition: OpenVMM drops other types only while negotiating). The body is not required.
    /// </summary>
    /// <param name="payload">The received payload (after the descriptor), any length.</param>
    /// <param name="status">The answer's <c>status</c> (HV_S_OK, HV_E_FAIL, …), or default on failure.</param>
    /// <returns><see cref="IcReadStatus.Ok"/> or the reason for refusal.</returns>
    public static IcReadStatus ReadResponse(ReadOnlySpan<byte> payload, out IcStatus status)
    {
        status = default;
        var result = IcFraming.ReadResponse(payload, out var header, out _);
        if (result != IcReadStatus.Ok)
            return result;
        if (header.MessageType != IcMessageType.Shutdown)
            return IcReadStatus.UnexpectedMessageType;
        status = header.Status;
        return IcReadStatus.Ok;
    }

    /// <summary>
    /// Guest role, as Linux <c>shutdown_onchannelcallback</c>: requires 28 + 2060 bytes and type SHUTDOWN; writes
    /// <c>status</c> from the flag table (0/1 power off → HV_S_OK; 2/3 reboot → HV_S_OK; 4/5 hibernate → HV_S_OK only
    /// when <paramref name="hibernationSupported"/>, else HV_E_FAIL; anything else HV_E_FAIL) and <c>icflags</c> 0x05.
    /// The caller carries out the action after sending the answer (Linux schedules <c>orderly_poweroff</c>/<c>orderly_reboot</c>).
    /// </summary>
    /// <param name="payload">The received payload, rewritten in place; send all of it back.</param>
    /// <param name="request">What was requested and the status written, or default when not answered.</param>
    /// <param name="hibernationSupported">Linux <c>hibernation_supported</c>; our guest cannot hibernate (false).</param>
    /// <returns><see cref="IcAnswerStatus.Answered"/> (even when the status is HV_E_FAIL) or a reject status with the payload untouched.</returns>
    public static IcAnswerStatus AnswerInPlace(Span<byte> payload, out ShutdownRequest request, bool hibernationSupported = false)
    {
        request = default;
        var check = IcFraming.CheckRequest(payload, IcMessageType.Shutdown);
        if (check != IcAnswerStatus.Answered)
            return check;
        if (payload.Length < RequestLength)
            return IcAnswerStatus.TooShortForBody;
        var flags = (ShutdownFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[FlagsOffset..]);
        var status = StatusFor(Classify(flags), hibernationSupported);
        request = new ShutdownRequest(
            BinaryPrimitives.ReadUInt32LittleEndian(payload[ReasonCodeOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[TimeoutOffset..]),
            flags,
            status);
        IcFraming.WriteStatus(payload, status);
        IcFraming.MarkResponse(payload);
        return IcAnswerStatus.Answered;
    }

    /// <summary>Linux's flag table: 0/1 power off, 2/3 reboot, 4/5 hibernate, anything else unknown.</summary>
    /// <param name="flags">The request's <c>flags</c> u32.</param>
    public static ShutdownAction Classify(ShutdownFlags flags) => (uint)flags switch
    {
        0 or 1 => ShutdownAction.PowerOff,
        2 or 3 => ShutdownAction.Reboot,
        4 or 5 => ShutdownAction.Hibernate,
        _ => ShutdownAction.Unknown,
    };

    /// <summary>The status Linux answers for an action: HV_S_OK for power off and reboot, hibernate only if supported, otherwise HV_E_FAIL.</summary>
    /// <param name="action">The classified action.</param>
    /// <param name="hibernationSupported">Whether the guest can hibernate.</param>
    public static IcStatus StatusFor(ShutdownAction action, bool hibernationSupported) => action switch
    {
        ShutdownAction.PowerOff or ShutdownAction.Reboot => IcStatus.Ok,
        ShutdownAction.Hibernate when hibernationSupported => IcStatus.Ok,
        _ => IcStatus.Fail,
    };
}
