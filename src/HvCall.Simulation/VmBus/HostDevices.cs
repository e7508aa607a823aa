using System;
using HvCall.VmBus.Ic;
using HvCall.VmBus.Rings;

namespace HvCall.Simulation.VmBus;

/// <summary>A device behind a host channel: it reads the guest's ring and writes its own through the channel's helpers.</summary>
public abstract class HostDevice
{
    /// <summary>Does what the rings allow now; sleeps (leaves the channel not awake) when there is nothing to do.</summary>
    /// <param name="channel">The channel.</param>
    internal abstract void Step(HostChannel channel);
}

/// <summary>
/// HvCall's echo device: every in-band packet the guest sends comes back unchanged, same transaction id. A packet
/// whose echo does not fit waits in the device until the guest frees room (pending_send_sz), and the host reads
/// nothing more meanwhile, so the guest's ring applies back-pressure to the guest.
/// </summary>
public sealed class HostEchoDevice : HostDevice
{
    private readonly byte[] _packet;
    private ulong _heldTransaction;
    private int _heldLength = -1;

    /// <summary>An echo device for rings of <paramref name="dataSize"/> data bytes.</summary>
    /// <param name="dataSize">The incoming ring's data size, which bounds a packet.</param>
    public HostEchoDevice(int dataSize) => _packet = new byte[dataSize];

    /// <inheritdoc/>
    internal override void Step(HostChannel channel)
    {
        while (true)
        {
            if (_heldLength >= 0)
            {
                var written = channel.TrySend(_heldTransaction, _packet.AsSpan(0, _heldLength));
                if (written == RingStatus.Full)
                {
                    channel.CommitAll();
                    if (channel.WaitForRoom(OutgoingRing.PacketBytes(_heldLength)))
                        continue;
                    return;
                }
                if (written != RingStatus.Ok)
                {
                    channel.Break("echoing a packet", written);
                    return;
                }
                channel.Outgoing.ClearPendingSend();
                _heldLength = -1;
            }
            if (!channel.TryReceive(_packet, out var descriptor, out var length))
            {
                if (channel.Awake)
                    continue;
                return;
            }
            _heldTransaction = descriptor.TransactionId;
            _heldLength = length;
        }
    }
}

/// <summary>
/// The host half of an integration component (heartbeat or shutdown), as OpenVMM's IC devices run it: the host
/// sends NEGOTIATE first (framework [1.0, 3.0] and the service's list), takes the guest's 1/1 answer, then for
/// heartbeat sends <i>rounds</i> heartbeat requests one at a time, each answered with seq_num + 1.
/// </summary>
/// <remarks>vmbus-datapath.md §6. One request is outstanding at a time, so the host never fills the guest's ring.</remarks>
public sealed class HostIcDevice : HostDevice
{
    private readonly byte[] _packet = new byte[IcFraming.MaxPayloadLength];
    private readonly bool _heartbeat;
    private readonly int _rounds;
    private State _state = State.SendNegotiate;
    private ulong _sequence;

    /// <summary>A heartbeat (<paramref name="heartbeat"/>) or shutdown device.</summary>
    /// <param name="heartbeat">True for heartbeat, false for shutdown.</param>
    /// <param name="rounds">Heartbeat rounds to run.</param>
    /// <param name="firstSequence">The first heartbeat's seq_num.</param>
    public HostIcDevice(bool heartbeat, int rounds, ulong firstSequence)
    {
        _heartbeat = heartbeat;
        _rounds = rounds;
        _sequence = firstSequence;
    }

    private enum State { SendNegotiate, AwaitNegotiate, SendHeartbeat, AwaitHeartbeat, Done, Failed }

    /// <summary>The versions the guest chose, once negotiated.</summary>
    public (IcVersion Framework, IcVersion Service)? Negotiated { get; private set; }

    /// <summary>Heartbeat rounds the guest answered correctly.</summary>
    public int CompletedRounds { get; private set; }

    /// <inheritdoc/>
    internal override void Step(HostChannel channel)
    {
        while (true)
        {
            switch (_state)
            {
                case State.SendNegotiate:
                    var services = _heartbeat ? IcVersions.HostHeartbeat : IcVersions.HostShutdown;
                    Send(channel, NegotiateMessage.WriteRequest(_packet, IcVersions.HostFramework, services), State.AwaitNegotiate);
                    break;
                case State.SendHeartbeat:
                    var (framework, service) = Negotiated!.Value;
                    Send(channel, HeartbeatMessage.WriteRequest(_packet, framework, service, _sequence), State.AwaitHeartbeat);
                    break;
                case State.AwaitNegotiate or State.AwaitHeartbeat:
                    if (!channel.TryReceive(_packet, out _, out var length))
                    {
                        if (channel.Awake)
                            continue;
                        return;
                    }
                    Receive(channel, _packet.AsSpan(0, length));
                    break;
                default:
                    // Done (or failed): nothing more is expected; a packet the guest sends anyway is read and dropped.
                    if (!channel.TryReceive(_packet, out _, out _))
                    {
                        if (channel.Awake)
                            continue;
                        return;
                    }
                    channel.Fail("an unexpected packet after the device's work was done; dropped");
                    break;
            }
        }
    }

    private void Send(HostChannel channel, int length, State next)
    {
        var status = channel.TrySend(0, _packet.AsSpan(0, length));
        if (status != RingStatus.Ok)
        {
            channel.Fail($"sending an IC request: {status}");
            _state = State.Failed;
            return;
        }
        channel.CommitAll();
        _state = next;
    }

    private void Receive(HostChannel channel, ReadOnlySpan<byte> payload)
    {
        if (_state == State.AwaitNegotiate)
        {
            var read = NegotiateMessage.ReadResponse(payload, out var framework, out var service);
            if (read.IsStale())
                return;
            if (read != IcReadStatus.Ok)
            {
                channel.Fail($"the guest's NEGOTIATE answer: {read}");
                _state = State.Failed;
                return;
            }
            Negotiated = (framework, service);
            _state = _heartbeat && _rounds > 0 ? State.SendHeartbeat : State.Done;
            return;
        }
        var heartbeat = HeartbeatMessage.ReadResponse(payload, _sequence, out _);
        if (heartbeat.IsStale())
            return;
        if (heartbeat != IcReadStatus.Ok)
        {
            channel.Fail($"the guest's heartbeat answer: {heartbeat}");
            _state = State.Failed;
            return;
        }
        CompletedRounds++;
        _sequence++;
        _state = CompletedRounds < _rounds ? State.SendHeartbeat : State.Done;
    }
}
