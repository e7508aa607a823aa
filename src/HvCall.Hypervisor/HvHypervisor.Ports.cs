using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Profiles;
using HvCall.Hypervisor.Synic;

namespace HvCall.Hypervisor;

public sealed partial class HvHypervisor
{
    /// <summary>The live ports of every partition of this hypervisor (deleted ports are gone), in no particular order.</summary>
    /// <remarks>Read-only view for host code and checkers (the dispatcher fuzzer's buffer accounting: every message buffer of
    /// a port is free, queued for a SynIC or waiting for host code).</remarks>
    public IReadOnlyCollection<Port> Ports => _ports.Values;

    /// <summary>The connections of every partition of this hypervisor, in no particular order.</summary>
    public IReadOnlyCollection<Connection> Connections => _connections.Values;

    /// <summary>Creates a port whose messages or events arrive at a VP's SynIC (HvCallCreatePort).</summary>
    /// <param name="owner">The partition owning the port.</param>
    /// <param name="portId">The port id (24 bits), unique in the owner.</param>
    /// <param name="type">Message or event.</param>
    /// <param name="targetVp">The receiving VP index.</param>
    /// <param name="targetSint">The receiving SINT.</param>
    /// <param name="baseFlag">Event ports: first flag number.</param>
    /// <param name="flagCount">Event ports: number of flags.</param>
    /// <returns>SUCCESS, INVALID_PORT_ID (id in use or reserved bits), INVALID_VP_INDEX, or INVALID_PARAMETER
    /// (type, SINT or flag range).</returns>
    public HvStatus CreatePort(Partition owner, uint portId, PortType type, uint targetVp, int targetSint, ushort baseFlag = 0, ushort flagCount = 0)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (type is not (PortType.Message or PortType.Event) || (uint)targetSint >= SynicState.SintCount)
            return HvStatus.InvalidParameter;
        if (type == PortType.Event && (flagCount == 0 || baseFlag + flagCount > SynicState.FlagsPerSint))
            return HvStatus.InvalidParameter;
        if (!owner.TryGetVp(targetVp, out var vp))
            return HvStatus.InvalidVpIndex;
        return AddPort(new Port(portId, owner, type, vp, targetSint, baseFlag, flagCount, sink: null));
    }

    /// <summary>Creates a port owned by host code rather than a SynIC, such as the VMBus server of a root partition.</summary>
    /// <param name="owner">The partition the host code runs in.</param>
    /// <param name="portId">The port id (24 bits).</param>
    /// <param name="type">Message or event.</param>
    /// <param name="sink">Receives the messages or events.</param>
    /// <param name="flagCount">Event ports: number of flags.</param>
    /// <returns>SUCCESS or INVALID_PORT_ID.</returns>
    public HvStatus CreateHostPort(Partition owner, uint portId, PortType type, IHostPortSink sink, ushort flagCount = 1)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(sink);
        if (type is not (PortType.Message or PortType.Event))
            return HvStatus.InvalidParameter;
        return AddPort(new Port(portId, owner, type, null, 0, 0, flagCount, sink));
    }

    /// <summary>Connects a partition to a port under a connection id (HvCallConnectPort).</summary>
    /// <param name="caller">The partition that will use the connection id.</param>
    /// <param name="connectionId">The connection id (24 bits), unique in the caller.</param>
    /// <param name="portOwner">The partition owning the port.</param>
    /// <param name="portId">The port id.</param>
    /// <returns>SUCCESS, INVALID_PORT_ID (no such port) or INVALID_CONNECTION_ID (id in use or reserved bits).</returns>
    public HvStatus ConnectPort(Partition caller, uint connectionId, Partition portOwner, uint portId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(portOwner);
        if (!_ports.TryGetValue((portOwner.Id, portId), out var port))
            return HvStatus.InvalidPortId;
        if ((connectionId & ~HvConnectionId.IdMask) != 0 || !_connections.TryAdd((caller.Id, connectionId), new Connection(connectionId, caller, port)))
            return HvStatus.InvalidConnectionId;
        return HvStatus.Success;
    }

    /// <summary>Deletes a port (HvCallDeletePort): its queued messages are freed and its connections then fail with INVALID_PORT_ID.</summary>
    /// <param name="owner">The owner.</param>
    /// <param name="portId">The port id.</param>
    /// <returns>SUCCESS or INVALID_PORT_ID.</returns>
    public HvStatus DeletePort(Partition owner, uint portId)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (!_ports.Remove((owner.Id, portId), out var port))
            return HvStatus.InvalidPortId;
        port.IsDeleted = true;
        port.TargetVp?.Synic.Purge(port);
        return HvStatus.Success;
    }

    /// <summary>Looks up a port that exists (not deleted).</summary>
    /// <param name="owner">The owner.</param>
    /// <param name="portId">The port id.</param>
    /// <param name="port">The port.</param>
    /// <returns>False when the owner has no such port.</returns>
    public bool TryGetPort(Partition owner, uint portId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Port? port)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return _ports.TryGetValue((owner.Id, portId), out port);
    }

    /// <summary>Whether <paramref name="caller"/> has a connection under <paramref name="connectionId"/> (made by ConnectPort, not yet disconnected).</summary>
    /// <param name="caller">The connecting partition.</param>
    /// <param name="connectionId">The connection id.</param>
    public bool IsConnected(Partition caller, uint connectionId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return _connections.ContainsKey((caller.Id, connectionId));
    }

    /// <summary>Removes a connection (HvCallDisconnectPort).</summary>
    /// <param name="caller">The connecting partition.</param>
    /// <param name="connectionId">The connection id.</param>
    /// <returns>SUCCESS or INVALID_CONNECTION_ID.</returns>
    public HvStatus DisconnectPort(Partition caller, uint connectionId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return _connections.Remove((caller.Id, connectionId)) ? HvStatus.Success : HvStatus.InvalidConnectionId;
    }

    /// <summary>
    /// Posts a message through a connection: the HvCallPostMessage semantics, also used by host code.
    /// Checks, in order: the message itself (type 0, type with the most significant bit set, or payload
    /// size over 240: 0x5), connection (0x12), port (0x11), a host port's admission (<see cref="Port.Admission"/>),
    /// buffers (0x13), VP (0xE), SynIC (0x18).
    /// </summary>
    /// <param name="caller">The posting partition.</param>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="messageType">The message type (non-zero, most significant bit clear).</param>
    /// <param name="payload">The payload.</param>
    /// <remarks>TLFS HvCallPostMessage, which does not order its statuses; the message is checked before the
    /// connection is resolved, as OpenVMM's and QEMU's handlers do. The hypercall handler checks the reserved
    /// field at offset 4 before all of these.</remarks>
    public HvStatus PostMessage(Partition caller, HvConnectionId connectionId, uint messageType, ReadOnlySpan<byte> payload) =>
        PostMessage(caller, connectionId, messageType, (uint)payload.Length, payload);

    /// <summary>PostMessage with the payload size as the guest declared it: the message, then the connection (see above).</summary>
    internal HvStatus PostMessage(Partition caller, HvConnectionId connectionId, uint messageType, uint payloadSize, ReadOnlySpan<byte> payloadArea) =>
        PostMessage(caller, connectionId, messageType, payloadSize, payloadArea, PostMessageRules.Tlfs);

    /// <summary>
    /// PostMessage under a host's rules (host-implementations.md §2.1, §6, §7): the message type where the host checks
    /// it before the connection (TLFS), the payload size, the connection (masked to 24 bits where the host does so),
    /// the port, the message type where the host's VMBus handler checks it (QEMU), buffers, VP, SynIC.
    /// </summary>
    internal HvStatus PostMessage(Partition caller, HvConnectionId connectionId, uint messageType, uint payloadSize, ReadOnlySpan<byte> payloadArea,
        PostMessageRules rules)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (rules.MessageType == MessageTypeCheck.Tlfs && (messageType == HvMessageType.None || (messageType & HvMessageType.HypervisorBit) != 0))
            return rules.MessageTypeStatus;
        if (payloadSize > HvMessage.MaxPayloadSize)
            return rules.PayloadTooLargeStatus;
        if (rules.IgnoresConnectionIdHighBits)
            connectionId = new HvConnectionId(connectionId.Id);
        var resolved = ResolvePort(caller, connectionId, PortType.Message, out var port);
        if (resolved != HvStatus.Success)
            return resolved;
        if (rules.MessageType == MessageTypeCheck.VmBusOnly && messageType != VmBusMessageType)
            return rules.MessageTypeStatus;
        if (port.Admission is { } admission)
        {
            var admitted = admission.Admit(port, payloadArea[..(int)payloadSize]);
            if (admitted != HvStatus.Success)
                return admitted;
        }
        if (port.FreeBuffers == 0)
            return HvStatus.InsufficientBuffers;
        if (port.Sink is null)
        {
            var status = port.TargetVp!.Synic.CanReceiveMessages();
            if (status != HvStatus.Success)
                return status;
        }
        port.TryAcquire(out var buffer);
        HvMessage.Write(buffer.Bytes, messageType, port.Id, payloadArea[..(int)payloadSize]);
        if (port.Sink is { } sink)
        {
            port.QueueForHost(buffer);
            sink.OnMessage(port);
        }
        else
        {
            port.TargetVp!.Synic.Enqueue(port.TargetSint, buffer);
        }
        return HvStatus.Success;
    }

    // HV_MESSAGE_TYPE 1, the type guests post VMBus messages with (host-implementations.md §2.3; QEMU's vmbus_recv_message).
    private const uint VmBusMessageType = 1;

    /// <summary>
    /// Signals an event through a connection: the HvCallSignalEvent semantics, also used by host code.
    /// Checks: connection (0x12), port (0x11), flag number (0x5), SynIC, event page or masked SINT (0x18).
    /// Never fails for lack of resources.
    /// </summary>
    /// <param name="caller">The signalling partition.</param>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="flagNumber">The flag number relative to the port's base flag.</param>
    /// <remarks>TLFS HvCallSignalEvent.</remarks>
    public HvStatus SignalEvent(Partition caller, HvConnectionId connectionId, ushort flagNumber) =>
        SignalEvent(caller, connectionId, flagNumber, dropsUndeliverable: false);

    /// <summary>SignalEvent where the host may drop what it cannot deliver (OpenVMM's SynIC: a flag past the port's flags, a
    /// disabled SynIC or event page or a masked SINT is SUCCESS with nothing set; host-implementations.md §7).</summary>
    internal HvStatus SignalEvent(Partition caller, HvConnectionId connectionId, ushort flagNumber, bool dropsUndeliverable)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var resolved = ResolvePort(caller, connectionId, PortType.Event, out var port);
        if (resolved != HvStatus.Success)
            return resolved;
        if (flagNumber >= port.FlagCount)
            return dropsUndeliverable ? HvStatus.Success : HvStatus.InvalidParameter;
        if (port.Sink is { } sink)
        {
            sink.OnEvent(port, flagNumber);
            return HvStatus.Success;
        }
        var status = port.TargetVp!.Synic.SetEventFlag(port.TargetSint, port.BaseFlag + flagNumber, out _);
        return dropsUndeliverable && status == HvStatus.InvalidSynicState ? HvStatus.Success : status;
    }

    // The connection (INVALID_CONNECTION_ID when unknown or with reserved bits), then its port
    // (INVALID_PORT_ID when deleted or of the wrong type).
    private HvStatus ResolvePort(Partition caller, HvConnectionId connectionId, PortType type, out Port port)
    {
        port = null!;
        if (connectionId.HasReservedBits || !_connections.TryGetValue((caller.Id, connectionId.Value), out var connection))
            return HvStatus.InvalidConnectionId;
        port = connection.Port;
        return port.IsDeleted || port.Type != type ? HvStatus.InvalidPortId : HvStatus.Success;
    }

    private HvStatus AddPort(Port port)
    {
        if ((port.Id & ~HvConnectionId.IdMask) != 0 || !_ports.TryAdd((port.Owner.Id, port.Id), port))
            return HvStatus.InvalidPortId;
        return HvStatus.Success;
    }
}
