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

namespace HvCall.Simulation.VmBus;

/// <summary>
/// The VMBus server of a host partition, speaking the protocol as Hyper-V and OpenVMM do to a Linux guest:
/// version negotiation on message connection ids 4 and 1, offers and ALLOFFERS_DELIVERED (even with none),
/// GPADLs, OPENCHANNEL over a ring GPADL, CLOSECHANNEL, GPADL teardown, UNLOAD; and behind each open channel a
/// device (heartbeat, shutdown, echo) driven through the rings.
/// </summary>
/// <remarks>
/// Host→guest messages go through a message port the host creates in the guest partition on SINT 2 of the VP
/// named in INITIATE_CONTACT; a message that finds the port's 16 buffers in use waits in the host's outbox.
/// Channel signals arrive on one host event port per channel, connected under the offer's connection id
/// (relid | 0x2000, as OpenVMM builds it); host→guest interrupts set event flag relid on SINT 2 of the
/// channel's target VP. Everything the guest writes is validated (vmbus-datapath.md §2, §3, §9); a malformed
/// request is refused with a status or a closed channel and recorded in <see cref="Errors"/>, never thrown.
/// </remarks>
public sealed partial class VmBusHost : IHostPortSink
{
    /// <summary>The host's message port.</summary>
    public const uint HostMessagePort = 1;
    /// <summary>Base of the guest-side message port ids (plus the target VP).</summary>
    public const uint GuestMessagePortBase = 0x100;
    /// <summary>Base of the guest-side event port ids (plus the target VP).</summary>
    public const uint GuestEventPortBase = 0x200;
    /// <summary>Base of channel connection ids (relid | SINT 2 &lt;&lt; 12).</summary>
    public const uint ChannelConnectionBase = 0x2000;
    /// <summary>The first heartbeat seq_num the host sends.</summary>
    public const ulong FirstHeartbeatSequence = 1;

    private readonly HvHypervisor _hypervisor;
    private readonly Partition _host;
    private readonly Partition _guest;
    private readonly Queue<byte[]> _outbox = new();
    private readonly List<VmBusOffer> _offers = [];
    private readonly Dictionary<uint, HostChannel> _open = [];
    private readonly List<HostChannel> _everOpened = [];
    private readonly List<string> _errors = [];
    private readonly HashSet<uint> _guestPortsFor = [];
    private readonly byte[] _received = new byte[HvMessage.Size];
    private readonly byte[] _reply = new byte[HvMessage.MaxPayloadSize];
    private GpadlTable _gpadls;
    private Port? _messagePort;
    private uint _targetVp;

    /// <summary>Creates the server and its ports and connections.</summary>
    /// <param name="hypervisor">The hypervisor (L0).</param>
    /// <param name="host">The host partition the server runs in.</param>
    /// <param name="guest">The partition it serves.</param>
    /// <param name="workload">What the devices do (heartbeat rounds).</param>
    /// <param name="maxVersion">The newest protocol version it accepts.</param>
    /// <param name="devices">The devices to offer (name, interface type), in relid order.</param>
    /// <exception cref="InvalidOperationException">A port or connection could not be made.</exception>
    public VmBusHost(HvHypervisor hypervisor, Partition host, Partition guest, ChannelWorkload? workload = null, uint maxVersion = 0x0005_0002,
        IReadOnlyList<(string Name, Guid Type)>? devices = null)
    {
        ArgumentNullException.ThrowIfNull(hypervisor);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(guest);
        _hypervisor = hypervisor;
        _host = host;
        _guest = guest;
        Workload = workload ?? new ChannelWorkload();
        MaxVersion = maxVersion;
        _gpadls = NewGpadlTable();
        Require(hypervisor.CreateHostPort(host, HostMessagePort, PortType.Message, this), "the message port");
        Require(hypervisor.ConnectPort(guest, VmBusProtocol.MessageConnectionId4, host, HostMessagePort), "connection id 4");
        Require(hypervisor.ConnectPort(guest, VmBusProtocol.MessageConnectionId, host, HostMessagePort), "connection id 1");
        uint relId = 1;
        foreach (var (_, type) in devices ?? VmBusDevices.Default)
        {
            var offer = new VmBusOffer(type, InstanceGuid(relId), relId, ChannelConnectionBase | relId);
            Require(hypervisor.CreateHostPort(host, offer.ConnectionId, PortType.Event, this), $"the event port of channel {relId}");
            Require(hypervisor.ConnectPort(guest, offer.ConnectionId, host, offer.ConnectionId), $"the connection of channel {relId}");
            _offers.Add(offer);
            relId++;
        }
    }

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

    internal void Fail(string error) => _errors.Add(error);

    /// <inheritdoc/>
    public void OnMessage(Port port) => _messagePort = port;

    /// <inheritdoc/>
    public void OnEvent(Port port, ushort flagNumber)
    {
        ArgumentNullException.ThrowIfNull(port);
        if (_open.TryGetValue(port.Id & ~ChannelConnectionBase, out var channel))
        {
            channel.SignalsReceived++;
            channel.Awake = true;
        }
    }

    /// <summary>The server's actor: each step handles the control messages received, runs the open channels' devices, and sends what it can.</summary>
    public IEnumerable<object?> Run()
    {
        while (true)
        {
            while (_messagePort is { } port && port.TryReceive(_received))
            {
                MessagesReceived++;
                Handle(HvMessage.Payload(_received));
            }
            foreach (var channel in _open.Values)
                channel.Step();
            Flush();
            yield return null;
        }
    }

    /// <summary>Sets event flag <paramref name="flag"/> on SINT 2 of guest VP <paramref name="vp"/> (HvCallSignalEvent semantics).</summary>
    internal HvStatus SignalGuest(uint vp, ushort flag) =>
        _hypervisor.SignalEvent(_host, new HvConnectionId(GuestEventPortBase + vp), flag);

    private void Send(ReadOnlySpan<byte> message) => _outbox.Enqueue(message.ToArray());

    private void Flush()
    {
        while (_outbox.TryPeek(out var message))
        {
            var status = _hypervisor.PostMessage(_host, new HvConnectionId(GuestMessagePortBase + _targetVp), VmBusProtocol.SynicMessageType, message);
            if (status == HvStatus.InsufficientBuffers)
                break;
            _outbox.Dequeue();
            if (status != HvStatus.Success)
                Fail($"posting VMBus message type {(uint)VmBusProtocol.TypeOf(message)} to the guest failed: {HvStatusNames.TlfsName(status)}");
        }
    }

    private bool EnsureGuestPorts(uint targetVp)
    {
        if (_guestPortsFor.Contains(targetVp))
            return true;
        if (_hypervisor.CreatePort(_guest, GuestMessagePortBase + targetVp, PortType.Message, targetVp, VmBusProtocol.MessageSint) != HvStatus.Success ||
            _hypervisor.CreatePort(_guest, GuestEventPortBase + targetVp, PortType.Event, targetVp, VmBusProtocol.MessageSint, 0, 2048) != HvStatus.Success ||
            _hypervisor.ConnectPort(_host, GuestMessagePortBase + targetVp, _guest, GuestMessagePortBase + targetVp) != HvStatus.Success ||
            _hypervisor.ConnectPort(_host, GuestEventPortBase + targetVp, _guest, GuestEventPortBase + targetVp) != HvStatus.Success)
            return false;
        _guestPortsFor.Add(targetVp);
        return true;
    }

    private GpadlTable NewGpadlTable() => new(_guest.Memory.Size / GuestMemory.PageSize);

    private static Guid InstanceGuid(uint relId) => new(relId, 0x5ab1, 0x4d1e, 0x9a, 0x55, 0x68, 0x76, 0x63, 0x61, 0x6c, 0x6c);

    private static void Require(HvStatus status, string what)
    {
        if (status != HvStatus.Success)
            throw new InvalidOperationException($"The VMBus host could not create {what}: {HvStatusNames.TlfsName(status)}.");
    }
}
