using System;
using System.Collections.Generic;
using HvCall.VmBus;
using HvCall.VmBus.Messages;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;

namespace HvCall.Simulation.VmBus;

/// <summary>
/// The VMBus server of a host partition, speaking the control protocol as Hyper-V does to a Linux
/// guest: it listens on message connection ids 4 and 1, answers every INITIATE_CONTACT (accepting
/// versions up to <see cref="MaxVersion"/>), answers REQUESTOFFERS with its offers and
/// ALLOFFERS_DELIVERED (even with none), and echoes each channel signal back as an event flag.
/// </summary>
/// <remarks>
/// Host→guest messages go through a message port the host creates in the guest partition on SINT 2
/// of the VP named in INITIATE_CONTACT; a message that finds the port's 16 buffers in use waits in the
/// host's outbox. Channel signals arrive on one host event port per channel, connected under the offer's
/// connection id (relid | 0x2000, as OpenVMM builds it).
/// </remarks>
public sealed class VmBusHost : IHostPortSink
{
    /// <summary>The host's message port.</summary>
    public const uint HostMessagePort = 1;
    /// <summary>Base of the guest-side message port ids (plus the target VP).</summary>
    public const uint GuestMessagePortBase = 0x100;
    /// <summary>Base of the guest-side event port ids (plus the target VP).</summary>
    public const uint GuestEventPortBase = 0x200;
    /// <summary>Base of channel connection ids (relid | SINT 2 &lt;&lt; 12).</summary>
    public const uint ChannelConnectionBase = 0x2000;

    private readonly HvHypervisor _hypervisor;
    private readonly Partition _host;
    private readonly Partition _guest;
    private readonly Queue<byte[]> _outbox = new();
    private readonly Queue<uint> _echoes = new();
    private readonly Dictionary<uint, int> _signals = [];
    private readonly List<VmBusOffer> _offers = [];
    private readonly List<string> _errors = [];
    private readonly HashSet<uint> _guestPortsFor = [];
    private readonly byte[] _received = new byte[HvMessage.Size];
    private Port? _messagePort;
    private uint _targetVp;

    /// <summary>Creates the server and its ports and connections.</summary>
    /// <param name="hypervisor">The hypervisor (L0).</param>
    /// <param name="host">The host partition the server runs in.</param>
    /// <param name="guest">The partition it serves.</param>
    /// <param name="maxVersion">The newest protocol version it accepts.</param>
    /// <param name="devices">The devices to offer (name, interface type).</param>
    /// <exception cref="InvalidOperationException">A port or connection could not be made.</exception>
    public VmBusHost(HvHypervisor hypervisor, Partition host, Partition guest, uint maxVersion = 0x0005_0002,
        IReadOnlyList<(string Name, Guid Type)>? devices = null)
    {
        ArgumentNullException.ThrowIfNull(hypervisor);
        _hypervisor = hypervisor;
        _host = host;
        _guest = guest;
        MaxVersion = maxVersion;
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

    /// <summary>The newest version accepted.</summary>
    public uint MaxVersion { get; }

    /// <summary>The offers.</summary>
    public IReadOnlyList<VmBusOffer> Offers => _offers;

    /// <summary>The version accepted last, or null.</summary>
    public uint? NegotiatedVersion { get; private set; }

    /// <summary>Control messages received.</summary>
    public int MessagesReceived { get; private set; }

    /// <summary>Signals received per channel relid.</summary>
    public IReadOnlyDictionary<uint, int> ChannelSignals => _signals;

    /// <summary>What went wrong on the host side.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <inheritdoc/>
    public void OnMessage(Port port) => _messagePort = port;

    /// <inheritdoc/>
    public void OnEvent(Port port, ushort flagNumber)
    {
        ArgumentNullException.ThrowIfNull(port);
        var relId = port.Id & ~ChannelConnectionBase;
        _signals[relId] = _signals.GetValueOrDefault(relId) + 1;
        _echoes.Enqueue(relId);
    }

    /// <summary>The server's actor: each step handles one received message, then sends what it can.</summary>
    public IEnumerable<object?> Run()
    {
        while (true)
        {
            if (_messagePort is { } port && port.TryReceive(_received))
            {
                MessagesReceived++;
                Handle(HvMessage.Payload(_received));
            }
            Flush();
            yield return null;
        }
    }

    private void Handle(ReadOnlySpan<byte> message)
    {
        switch (VmBusProtocol.TypeOf(message))
        {
            case VmBusMessageType.InitiateContact when message.Length >= VmBusProtocol.InitiateContactSize:
                var (version, targetVp, sint) = VmBusProtocol.ReadInitiateContact(message);
                if (!EnsureGuestPorts(targetVp))
                    break;
                var supported = version <= MaxVersion && VmBusProtocol.LinuxVersions.Contains(version) &&
                    (version < VmBusProtocol.Version50 || sint == VmBusProtocol.MessageSint);
                if (supported)
                    NegotiatedVersion = version;
                // 5.0 and later: the message connection id to use from now on; older: the version (as OpenVMM writes it).
                var field = version >= VmBusProtocol.Version50 ? VmBusProtocol.MessageConnectionId : version;
                Send(VmBusProtocol.WriteVersionResponse(new byte[VmBusProtocol.VersionResponseSize], supported, field));
                break;
            case VmBusMessageType.RequestOffers when NegotiatedVersion is not null:
                foreach (var offer in _offers)
                    Send(VmBusProtocol.WriteOffer(new byte[VmBusProtocol.OfferChannelSize], offer));
                Send(VmBusProtocol.WriteHeader(new byte[VmBusProtocol.HeaderSize], VmBusMessageType.AllOffersDelivered));
                break;
            case VmBusMessageType.Unload:
                NegotiatedVersion = null;
                Send(VmBusProtocol.WriteHeader(new byte[VmBusProtocol.HeaderSize], VmBusMessageType.UnloadResponse));
                break;
            default:
                _errors.Add($"ignored VMBus message type {(uint)VmBusProtocol.TypeOf(message)} ({message.Length} bytes)");
                break;
        }
    }

    private void Send(Span<byte> message) => _outbox.Enqueue(message.ToArray());

    private void Flush()
    {
        while (_outbox.TryPeek(out var message))
        {
            var status = _hypervisor.PostMessage(_host, new HvConnectionId(GuestMessagePortBase + _targetVp), VmBusProtocol.SynicMessageType, message);
            if (status == HvStatus.InsufficientBuffers)
                break;
            _outbox.Dequeue();
            if (status != HvStatus.Success)
                _errors.Add($"posting VMBus message type {(uint)VmBusProtocol.TypeOf(message)} to the guest failed: {HvStatusNames.TlfsName(status)}");
        }
        while (_echoes.TryDequeue(out var relId))
        {
            var status = _hypervisor.SignalEvent(_host, new HvConnectionId(GuestEventPortBase + _targetVp), (ushort)relId);
            if (status != HvStatus.Success)
                _errors.Add($"signalling channel {relId} to the guest failed: {HvStatusNames.TlfsName(status)}");
        }
    }

    private bool EnsureGuestPorts(uint targetVp)
    {
        if (!_guestPortsFor.Contains(targetVp))
        {
            if (_hypervisor.CreatePort(_guest, GuestMessagePortBase + targetVp, PortType.Message, targetVp, VmBusProtocol.MessageSint) != HvStatus.Success ||
                _hypervisor.CreatePort(_guest, GuestEventPortBase + targetVp, PortType.Event, targetVp, VmBusProtocol.MessageSint, 0, 2048) != HvStatus.Success ||
                _hypervisor.ConnectPort(_host, GuestMessagePortBase + targetVp, _guest, GuestMessagePortBase + targetVp) != HvStatus.Success ||
                _hypervisor.ConnectPort(_host, GuestEventPortBase + targetVp, _guest, GuestEventPortBase + targetVp) != HvStatus.Success)
            {
                _errors.Add($"no such VP {targetVp} to deliver VMBus messages to");
                return false;
            }
            _guestPortsFor.Add(targetVp);
        }
        _targetVp = targetVp;
        return true;
    }

    private static Guid InstanceGuid(uint relId) => new(relId, 0x5ab1, 0x4d1e, 0x9a, 0x55, 0x68, 0x76, 0x63, 0x61, 0x6c, 0x6c);

    private static void Require(HvStatus status, string what)
    {
        if (status != HvStatus.Success)
            throw new InvalidOperationException($"The VMBus host could not create {what}: {HvStatusNames.TlfsName(status)}.");
    }
}
