using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.VmBus;
using HvCall.VmBus.Gpadl;
using HvCall.VmBus.Messages;
using HvCall.VmBus.Rings;
using HvCall.Simulation.Faults;
using HvCall.Tracing;

namespace HvCall.Simulation.VmBus;

/// <summary>
/// A VMBus server, speaking the protocol as Hyper-V and OpenVMM do to a Linux guest: version negotiation,
/// offers and ALLOFFERS_DELIVERED (even with none), GPADLs, OPENCHANNEL over a ring GPADL, CLOSECHANNEL, GPADL
/// teardown, UNLOAD; and behind each open channel a device (heartbeat, shutdown, echo) driven through the rings.
/// Where its messages and signals travel is its <see cref="IVmBusServerTransport"/>: host code on L0, or a nested
/// root serving its own guests through the Direct hypercalls.
/// </summary>
/// <remarks>
/// Offers carry connection id relid | 0x2000 (OpenVMM's <c>ConnectionId::new</c> for VTL0, SINT 2); the transport
/// listens on it only while the channel is open. Host→guest interrupts set event flag relid on SINT 2 of the
/// channel's target VP. Everything the guest writes is validated (vmbus-datapath.md §2, §3, §9); a malformed request
/// is refused with a status or a closed channel and recorded in <see cref="Errors"/>, never thrown. A reply the
/// transport cannot take yet (buffers or slot busy) waits in the server's outbox.
/// </remarks>
public sealed partial class VmBusHost
{
    /// <summary>Base of channel connection ids (relid | SINT 2 &lt;&lt; 12).</summary>
    public const uint ChannelConnectionBase = 0x2000;
    /// <summary>The first heartbeat seq_num the host sends.</summary>
    public const ulong FirstHeartbeatSequence = 1;
    /// <summary>The reply lane of messages that belong to the connection rather than to a channel (see <see cref="Faults"/>).</summary>
    public const uint ConnectionLane = 0;

    private readonly IVmBusServerTransport _transport;
    private readonly Queue<byte[]> _outbox = new();
    private readonly List<VmBusOffer> _offers = [];
    private readonly Dictionary<uint, HostChannel> _open = [];
    private readonly List<HostChannel> _everOpened = [];
    private readonly List<string> _errors = [];
    private readonly byte[] _reply = new byte[HvMessage.MaxPayloadSize];
    private readonly Dictionary<VmBusMessageType, int> _sentByType = [];
    private readonly Dictionary<VmBusMessageType, int> _receivedByType = [];
    private readonly HashSet<uint> _revoked = [];
    private readonly List<DelayedReply> _delayed = [];
    private readonly List<int> _candidates = [];
    private GpadlTable _gpadls;
    private uint _targetVp;
    private readonly HvHypervisor _servedBy;
    private readonly TraceTrack _servedTrack;

    /// <summary>A server on L0's host partition for <paramref name="guest"/> (an <see cref="L0HostTransport"/>).</summary>
    /// <param name="hypervisor">The hypervisor (L0).</param>
    /// <param name="host">The host partition the server runs in.</param>
    /// <param name="guest">The partition it serves.</param>
    /// <param name="workload">What the devices do (heartbeat rounds).</param>
    /// <param name="maxVersion">The newest protocol version it accepts.</param>
    /// <param name="devices">The devices to offer (name, interface type), in relid order.</param>
    /// <exception cref="InvalidOperationException">A port or connection could not be made.</exception>
    public VmBusHost(HvHypervisor hypervisor, Partition host, Partition guest, ChannelWorkload? workload = null, uint maxVersion = 0x0005_0002,
        IReadOnlyList<(string Name, Guid Type)>? devices = null)
        : this(new L0HostTransport(hypervisor, host, guest), workload, maxVersion, devices)
    {
    }

    /// <summary>A server over any transport.</summary>
    /// <param name="transport">How it reaches the partition it serves.</param>
    /// <param name="workload">What the devices do (heartbeat rounds).</param>
    /// <param name="maxVersion">The newest protocol version it accepts.</param>
    /// <param name="devices">The devices to offer (name, interface type), in relid order.</param>
    public VmBusHost(IVmBusServerTransport transport, ChannelWorkload? workload = null, uint maxVersion = 0x0005_0002,
        IReadOnlyList<(string Name, Guid Type)>? devices = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _servedBy = transport.Served.Hypervisor;
        _servedTrack = _servedBy.TrackOf(transport.Served);
        Workload = workload ?? new ChannelWorkload();
        MaxVersion = maxVersion;
        _gpadls = NewGpadlTable();
        uint relId = 1;
        foreach (var (_, type) in devices ?? VmBusDevices.Default)
        {
            _offers.Add(new VmBusOffer(type, InstanceGuid(relId), relId, ChannelConnectionBase | relId));
            relId++;
        }
    }

    /// <summary>How the server reaches its guest.</summary>
    public IVmBusServerTransport Transport => _transport;

    /// <summary>What the devices do.</summary>
    public ChannelWorkload Workload { get; }

    /// <summary>The newest version accepted.</summary>
    public uint MaxVersion { get; }

    /// <summary>The offers.</summary>
    public IReadOnlyList<VmBusOffer> Offers => _offers;

    /// <summary>The version accepted last, or null (also after UNLOAD).</summary>
    public uint? NegotiatedVersion { get; private set; }

    /// <summary>Control messages received.</summary>
    public int MessagesReceived { get; private set; }

    /// <summary>UNLOAD requests answered.</summary>
    public int Unloads { get; private set; }

    /// <summary>Channels open now, by relid.</summary>
    public IReadOnlyDictionary<uint, HostChannel> OpenChannels => _open;

    /// <summary>Every channel opened during the run, in open order (closed ones included).</summary>
    public IReadOnlyList<HostChannel> ChannelsOpened => _everOpened;

    /// <summary>GPADLs created and not torn down.</summary>
    public int GpadlCount => _gpadls.Count;

    /// <summary>What went wrong on the host side, including every refusal of malformed guest input.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Control messages the transport delivered to the guest (SUCCESS), by VMBus message type.</summary>
    public IReadOnlyDictionary<VmBusMessageType, int> MessagesSentByType => _sentByType;

    /// <summary>Control messages received from the guest, by VMBus message type.</summary>
    public IReadOnlyDictionary<VmBusMessageType, int> MessagesReceivedByType => _receivedByType;

    /// <summary>GPADLs the host still held when it answered the last UNLOAD (0 when the guest tore down or released every one), or null before any UNLOAD.</summary>
    public int? GpadlsAtUnload { get; private set; }

    /// <summary>Host steps run (<see cref="Step"/> calls): the unit of a fault plan's reply delays and polling.</summary>
    public long HostSteps { get; private set; }

    /// <summary>
    /// A misbehaving host (<see cref="FaultPlan"/>), or null (the default): replies are then sent in order as soon as the
    /// transport takes them, no signal is lost, no channel is rescinded and sleeping channels wait for a signal. Set it
    /// before the run starts. With it, each reply waits its drawn delay in host steps; with reordering, replies of
    /// different channels overtake each other while each channel's replies keep their order and the connection's
    /// (VERSION_RESPONSE, offers, ALLOFFERS_DELIVERED, UNLOAD_RESPONSE) keep their place among all.
    /// </summary>
    public HostFaults? Faults { get; set; }

    internal void Fail(string error) => _errors.Add(error);

    /// <summary>The transport hands over a control message the guest posted (its payload).</summary>
    /// <param name="message">The VMBus message.</param>
    public void Deliver(ReadOnlySpan<byte> message)
    {
        MessagesReceived++;
        var type = VmBusProtocol.TypeOf(message);
        _receivedByType[type] = _receivedByType.GetValueOrDefault(type) + 1;
        Handle(message);
    }

    /// <summary>The transport hands over a guest signal on channel <paramref name="relId"/>'s connection.</summary>
    /// <param name="relId">The channel.</param>
    public void Signalled(uint relId)
    {
        if (!_open.TryGetValue(relId, out var channel))
            return;
        channel.SignalsReceived++;
        if (Faults is { } faults && faults.LosesSignal(channel.Offer.InterfaceType, channel.SignalsReceived))
        {
            channel.SignalsLost++;
            return;
        }
        channel.Awake = true;
    }

    /// <summary>
    /// Rescinds an open channel (RESCIND_CHANNELOFFER, 12 bytes, relid @8): its device stops where it is, the message goes
    /// out in the channel's reply lane, and the host then waits for the guest's CLOSECHANNEL and RELID_RELEASED, keeping
    /// the ring GPADL and the event port until then (OpenVMM <c>revoke</c>, vmbus-datapath.md §1).
    /// </summary>
    /// <param name="relId">The channel.</param>
    /// <returns>False when the channel is not open or already rescinded.</returns>
    public bool Rescind(uint relId)
    {
        if (!_open.TryGetValue(relId, out var channel) || channel.Rescinded)
            return false;
        channel.Rescind();
        _revoked.Add(relId);
        Send(ChannelMessages.WriteRelIdMessage(_reply, VmBusMessageType.RescindChannelOffer, relId), relId);
        return true;
    }

    /// <summary>The server's actor: one <see cref="Step"/> per scheduler step, forever (spawn it as a daemon).</summary>
    public IEnumerable<object?> Run()
    {
        while (true)
        {
            Step();
            yield return null;
        }
    }

    /// <summary>Takes what the transport received, runs the open channels' devices, and sends what it can.</summary>
    public void Step()
    {
        HostSteps++;
        _transport.Poll(this);
        if (Faults is { } faults)
            StepFaults(faults);
        foreach (var channel in _open.Values)
            channel.Step();
        Flush();
    }

    // A fault plan's host: rescind the planned channel once the host has read enough of it, and poll: a channel asleep for
    // the plan's number of host steps is looked at as if signalled (the recovery from a lost signal).
    private void StepFaults(HostFaults faults)
    {
        uint? rescind = null;
        foreach (var channel in _open.Values)
        {
            if (channel.Rescinded || channel.Broken)
                continue;
            if (faults.RescindsNow(channel.Offer.InterfaceType, channel.PacketsReceived))
                rescind = channel.Offer.ChildRelId;
            if (channel.Awake)
                channel.IdleHostSteps = 0;
            else if (faults.PollSteps > 0 && ++channel.IdleHostSteps >= faults.PollSteps)
            {
                channel.IdleHostSteps = 0;
                channel.Polls++;
                channel.Awake = true;
            }
        }
        if (rescind is { } relId && Rescind(relId))
            faults.Rescinded(relId);
    }

    /// <summary>Sets event flag <paramref name="flag"/> on SINT 2 of guest VP <paramref name="vp"/>.</summary>
    internal HvStatus SignalGuest(uint vp, ushort flag) => _transport.Signal(vp, flag);

    // A reply goes into the outbox; lane is the channel it concerns (its relid), or ConnectionLane.
    private void Send(ReadOnlySpan<byte> message, uint lane = ConnectionLane)
    {
        if (Faults is { } faults)
            _delayed.Add(new DelayedReply(message.ToArray(), lane, HostSteps + faults.ReplyDelay()));
        else
            _outbox.Enqueue(message.ToArray());
    }

    private void Flush()
    {
        if (Faults is { } faults)
        {
            FlushDelayed(faults);
            return;
        }
        while (_outbox.TryPeek(out var message))
        {
            if (!Post(message))
                break;
            _outbox.Dequeue();
        }
    }

    // Sends what the transport takes; false when it is busy (INSUFFICIENT_BUFFERS or OBJECT_IN_USE: try again later).
    private bool Post(byte[] message)
    {
        var status = _transport.Post(_targetVp, message);
        if (status is HvStatus.InsufficientBuffers or HvStatus.ObjectInUse)
            return false;
        var type = VmBusProtocol.TypeOf(message);
        if (status == HvStatus.Success)
        {
            _sentByType[type] = _sentByType.GetValueOrDefault(type) + 1;
            Emit(TraceEventKind.VmBusControlMessage, _targetVp, (uint)type, 1, (ulong)message.Length);
        }
        else
        {
            Fail($"posting VMBus message type {(uint)type} to the guest failed: {HvStatusNames.TlfsName(status)}");
        }
        return true;
    }

    // The fault plan's outbox: a reply is due once its delay has passed. Without reordering, the oldest reply goes first
    // and holds the rest back. With it, the due heads of the channels' lanes that come before the oldest connection
    // message are candidates and the plan picks one; a connection message goes only when it is the oldest of all.
    private void FlushDelayed(HostFaults faults)
    {
        while (_delayed.Count > 0)
        {
            var next = -1;
            if (!faults.ReorderReplies)
                next = _delayed[0].DueStep <= HostSteps ? 0 : -1;
            else
            {
                _candidates.Clear();
                for (var i = 0; i < _delayed.Count; i++)
                {
                    var reply = _delayed[i];
                    if (reply.Lane == ConnectionLane)
                    {
                        if (i == 0 && reply.DueStep <= HostSteps)
                            _candidates.Add(i);
                        break;
                    }
                    if (IsLaneHead(i) && reply.DueStep <= HostSteps)
                        _candidates.Add(i);
                }
                if (_candidates.Count > 0)
                    next = _candidates[faults.ChooseReply(_candidates.Count)];
            }
            if (next < 0 || !Post(_delayed[next].Message))
                return;
            faults.Sent(next > 0);
            _delayed.RemoveAt(next);
        }
    }

    private bool IsLaneHead(int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (_delayed[i].Lane == _delayed[index].Lane)
                return false;
        }
        return true;
    }

    private readonly record struct DelayedReply(byte[] Message, uint Lane, long DueStep);

    /// <summary>Emits a VMBus event on the served partition's track, when someone listens.</summary>
    internal void Emit(TraceEventKind kind, uint vp, ulong word0, ulong word1 = 0, ulong word2 = 0, ulong word3 = 0)
    {
        if (_servedBy.Trace is { IsListening: true } trace)
            trace.Emit(kind, _servedTrack, vp, word0, word1, word2, word3);
    }

    private GpadlTable NewGpadlTable() => new(_transport.Memory.Size / GuestMemory.PageSize);

    private static Guid InstanceGuid(uint relId) => new(relId, 0x5ab1, 0x4d1e, 0x9a, 0x55, 0x68, 0x76, 0x63, 0x61, 0x6c, 0x6c);
}
