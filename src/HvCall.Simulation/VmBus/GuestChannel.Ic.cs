using System;
using System.Collections.Generic;
using HvCall.VmBus.Ic;
using HvCall.VmBus.Rings;

namespace HvCall.Simulation.VmBus;

public sealed partial class GuestChannel
{
    /// <summary>Integration components: the framework and service versions the guest chose, once negotiated.</summary>
    public (IcVersion Framework, IcVersion Service)? NegotiatedVersions { get; private set; }

    /// <summary>Heartbeat: requests answered with seq_num + 1.</summary>
    public int HeartbeatsAnswered { get; private set; }

    /// <summary>Shutdown: the last request the host made, if any.</summary>
    public ShutdownRequest? ShutdownRequested { get; private set; }

    /// <summary>
    /// The hv_utils responder of the heartbeat and shutdown channels (Linux's direct mode: the inbound
    /// interrupt mask stays 0): on each host interrupt read every packet, answer it in place (negotiate: the
    /// newest common versions; heartbeat: seq_num + 1; shutdown: the status for its flags) and send the whole
    /// received payload back with the same transaction id. Done once the workload's traffic has been answered:
    /// negotiation, and for heartbeat every round.
    /// </summary>
    private IEnumerable<object?> RunIcResponder()
    {
        var payload = new byte[IcFraming.MaxPayloadLength];
        while (!RescindReceived && !IcDone())
        {
            if (!TakeInterrupt())
            {
                if (!Idle(NegotiatedVersions is null ? "the host's NEGOTIATE" : "the host's next message or its reading of the last answer"))
                    yield break;
                yield return null;
                continue;
            }
            Busy();
            while (true)
            {
                var status = _incoming!.TryRead(payload, out var descriptor, out var length);
                if (status == RingStatus.Empty)
                    break;
                if (status != RingStatus.Ok)
                {
                    Fail($"reading the inbound ring: {status}");
                    yield break;
                }
                PacketsReceived++;
                var packet = payload.AsSpan(0, length);
                if (!Answer(packet))
                    continue;
                var sent = _outgoing!.TryWrite(VmBusPacketType.DataInBand, descriptor.TransactionId, packet);
                if (sent != RingStatus.Ok)
                {
                    Fail($"answering the host: {sent}");
                    yield break;
                }
                PacketsSent++;
            }
            CommitReceives();
            CommitSends();
            yield return null;
        }
    }

    // The work is answered and the host has read the last answer (closing earlier would take it from the host).
    private bool IcDone() => NegotiatedVersions is not null && _outgoing!.IsDrained &&
        (Device != GuestDevice.Heartbeat || HeartbeatsAnswered >= _client.Workload.HeartbeatRounds);

    // hv_utils' per-service callbacks: an answer in place, or false when the packet is dropped unanswered.
    private bool Answer(Span<byte> packet)
    {
        var services = Device == GuestDevice.Heartbeat ? IcVersions.LinuxHeartbeat : IcVersions.LinuxShutdown;
        if (!IcFraming.TryReadRequest(packet, out var header))
            return false;
        IcAnswerStatus answered;
        switch (header.MessageType)
        {
            case IcMessageType.Negotiate:
                answered = IcNegotiation.AnswerInPlace(packet, IcVersions.LinuxFramework, services, out var framework, out var service);
                if (answered == IcAnswerStatus.Answered)
                    NegotiatedVersions = (framework, service);
                break;
            case IcMessageType.Heartbeat when Device == GuestDevice.Heartbeat:
                answered = HeartbeatMessage.AnswerInPlace(packet, out _);
                if (answered == IcAnswerStatus.Answered)
                    HeartbeatsAnswered++;
                break;
            case IcMessageType.Shutdown when Device == GuestDevice.Shutdown:
                answered = ShutdownMessage.AnswerInPlace(packet, out var request);
                if (answered.ShouldSend())
                    ShutdownRequested = request;
                break;
            default:
                answered = IcFraming.AnswerUnsupportedInPlace(packet);
                break;
        }
        if (!answered.ShouldSend())
            Fail($"dropped a host {header.MessageType} message: {answered}");
        return answered.ShouldSend();
    }
}
