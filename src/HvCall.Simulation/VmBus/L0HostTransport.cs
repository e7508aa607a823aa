using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.VmBus.Messages;

namespace HvCall.Simulation.VmBus;

/// <summary>
/// The transport of a VMBus server that is host code in a root partition (L0's host): it owns a message port that
/// the served partition reaches under connection ids 4 and 1, one event port per open channel under the offer's
/// connection id, and it answers through ports it creates in the guest partition on SINT 2 of each target VP.
/// </summary>
/// <remarks>vmbus.md §3–§4 (connection ids 4 and 1), vmbus-datapath.md §5 (an event port per open channel).</remarks>
public sealed class L0HostTransport : IVmBusServerTransport, IHostPortSink
{
    /// <summary>The host's message port.</summary>
    public const uint HostMessagePort = 1;
    /// <summary>Base of the guest-side message port ids (plus the target VP).</summary>
    public const uint GuestMessagePortBase = 0x100;
    /// <summary>Base of the guest-side event port ids (plus the target VP).</summary>
    public const uint GuestEventPortBase = 0x200;

    private readonly HvHypervisor _hypervisor;
    private readonly Partition _host;
    private readonly Partition _guest;
    private readonly HashSet<uint> _preparedVps = [];
    private readonly Queue<uint> _signals = new();
    private readonly byte[] _received = new byte[HvMessage.Size];
    private readonly Port _messagePort;

    /// <summary>Creates the message port and connects the guest partition to it under connection ids 4 and 1.</summary>
    /// <param name="hypervisor">The hypervisor (L0).</param>
    /// <param name="host">The host partition the server runs in.</param>
    /// <param name="guest">The partition it serves.</param>
    /// <exception cref="InvalidOperationException">A port or connection could not be made (host misuse).</exception>
    public L0HostTransport(HvHypervisor hypervisor, Partition host, Partition guest)
    {
        ArgumentNullException.ThrowIfNull(hypervisor);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(guest);
        _hypervisor = hypervisor;
        _host = host;
        _guest = guest;
        Require(hypervisor.CreateHostPort(host, HostMessagePort, PortType.Message, this), "the message port");
        if (!hypervisor.TryGetPort(host, HostMessagePort, out var port))
            throw new InvalidOperationException("The VMBus host's message port vanished.");
        _messagePort = port;
        Require(hypervisor.ConnectPort(guest, VmBusProtocol.MessageConnectionId4, host, HostMessagePort), "connection id 4");
        Require(hypervisor.ConnectPort(guest, VmBusProtocol.MessageConnectionId, host, HostMessagePort), "connection id 1");
    }

    /// <inheritdoc/>
    public GuestMemory Memory => _guest.Memory;

    /// <inheritdoc/>
    public Partition Served => _guest;

    /// <summary>
    /// The host's message port (connection ids 4 and 1 of the served partition reach it). Its
    /// <see cref="Port.Admission"/> is where a fault plan answers the guest's PostMessage with INSUFFICIENT_BUFFERS or
    /// TIMEOUT, as a VMM that cannot take a message now does.
    /// </summary>
    public Port MessagePort => _messagePort;

    /// <inheritdoc/>
    /// <remarks>Nothing to do here: <see cref="Poll"/> takes the port's messages on the server's next step.</remarks>
    public void OnMessage(Port port)
    {
    }

    /// <inheritdoc/>
    public void OnEvent(Port port, ushort flagNumber)
    {
        ArgumentNullException.ThrowIfNull(port);
        _signals.Enqueue(port.Id & ~VmBusHost.ChannelConnectionBase);
    }

    /// <inheritdoc/>
    public void Poll(VmBusHost server)
    {
        ArgumentNullException.ThrowIfNull(server);
        while (_messagePort.TryReceive(_received))
            server.Deliver(HvMessage.Payload(_received));
        while (_signals.TryDequeue(out var relId))
            server.Signalled(relId);
    }

    /// <inheritdoc/>
    public bool PrepareTarget(uint vp)
    {
        if (_preparedVps.Contains(vp))
            return true;
        if (_hypervisor.CreatePort(_guest, GuestMessagePortBase + vp, PortType.Message, vp, VmBusProtocol.MessageSint) != HvStatus.Success ||
            _hypervisor.CreatePort(_guest, GuestEventPortBase + vp, PortType.Event, vp, VmBusProtocol.MessageSint, 0, 2048) != HvStatus.Success ||
            _hypervisor.ConnectPort(_host, GuestMessagePortBase + vp, _guest, GuestMessagePortBase + vp) != HvStatus.Success ||
            _hypervisor.ConnectPort(_host, GuestEventPortBase + vp, _guest, GuestEventPortBase + vp) != HvStatus.Success)
            return false;
        _preparedVps.Add(vp);
        return true;
    }

    /// <inheritdoc/>
    public HvStatus Post(uint vp, ReadOnlySpan<byte> message) =>
        _hypervisor.PostMessage(_host, new HvConnectionId(GuestMessagePortBase + vp), VmBusProtocol.SynicMessageType, message);

    /// <inheritdoc/>
    public HvStatus Signal(uint vp, ushort flag) =>
        _hypervisor.SignalEvent(_host, new HvConnectionId(GuestEventPortBase + vp), flag);

    /// <inheritdoc/>
    public HvStatus OpenEvents(VmBusOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var status = _hypervisor.CreateHostPort(_host, offer.ConnectionId, PortType.Event, this);
        if (status != HvStatus.Success)
            return status;
        status = _hypervisor.ConnectPort(_guest, offer.ConnectionId, _host, offer.ConnectionId);
        if (status != HvStatus.Success)
            _hypervisor.DeletePort(_host, offer.ConnectionId);
        return status;
    }

    /// <inheritdoc/>
    public void CloseEvents(VmBusOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        _hypervisor.DisconnectPort(_guest, offer.ConnectionId);
        _hypervisor.DeletePort(_host, offer.ConnectionId);
    }

    private static void Require(HvStatus status, string what)
    {
        if (status != HvStatus.Success)
            throw new InvalidOperationException($"The VMBus host could not create {what}: {HvStatusNames.TlfsName(status)}.");
    }
}
