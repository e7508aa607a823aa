using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;

namespace HvCall.Hypervisor.Ports;

/// <summary>The kind of a port (<c>HV_PORT_TYPE</c>), valued as <see cref="HvPortType"/>.</summary>
/// <remarks>TLFS "Inter-Partition Communication" and Linux <c>hvhdk.h</c>: Message 1, Event 2, Monitor 3, Doorbell 4.</remarks>
public enum PortType : uint
{
    /// <summary>Receives messages (HvCallPostMessage).</summary>
    Message = (uint)HvPortType.Message,
    /// <summary>Receives event flags (HvCallSignalEvent).</summary>
    Event = (uint)HvPortType.Event,
    /// <summary>Monitor page port (not simulated).</summary>
    Monitor = (uint)HvPortType.Monitor,
    /// <summary>Doorbell port (not simulated).</summary>
    Doorbell = (uint)HvPortType.Doorbell,
}

/// <summary>Host code that owns a port instead of a virtual processor's SynIC (such as a VMBus server).</summary>
public interface IHostPortSink
{
    /// <summary>A message was queued on <paramref name="port"/>; take it with <see cref="Port.TryReceive"/>.</summary>
    /// <param name="port">The port.</param>
    void OnMessage(Port port);

    /// <summary>An event was signalled on <paramref name="port"/>.</summary>
    /// <param name="port">The port.</param>
    /// <param name="flagNumber">The flag number, relative to the port's base flag.</param>
    void OnEvent(Port port, ushort flagNumber);
}

/// <summary>
/// Host code that decides, per message, whether its host-owned port takes a posted message now. The VMM behind a
/// VMBus message port answers "not now" with a status the poster sees and retries on: OpenVMM's port map answers
/// INSUFFICIENT_BUFFERS when the port cannot accept, and notes that Hyper-V's VMBus "sometimes (in Azure?)" answers
/// TIMEOUT instead "to force the guest to retry" (host-implementations.md §7).
/// </summary>
public interface IHostPortAdmission
{
    /// <summary>Asked for every HvCallPostMessage that reached the port and passed the hypervisor's own checks up to the buffers.</summary>
    /// <param name="port">The port.</param>
    /// <param name="payload">The message payload (at most 240 bytes).</param>
    /// <returns>SUCCESS to take the message; any other status is returned to the poster and nothing is queued.</returns>
    HvStatus Admit(Port port, ReadOnlySpan<byte> payload);
}

/// <summary>
/// A port: where messages or events sent through a connection arrive. A message port owns 16 message
/// buffers (TLFS "Message Buffers"): a message holds one from HvCallPostMessage until it is delivered
/// into the target's message slot, or until host code takes it.
/// </summary>
public sealed class Port
{
    /// <summary>Message buffers per port.</summary>
    public const int BufferCount = 16;

    private readonly Stack<MessageBuffer> _free = new(BufferCount);
    private readonly Queue<MessageBuffer> _hostQueue = new(BufferCount);

    internal Port(uint id, Partition owner, PortType type, VirtualProcessor? targetVp, int targetSint,
        ushort baseFlag, ushort flagCount, IHostPortSink? sink)
    {
        Id = id;
        Owner = owner;
        Type = type;
        TargetVp = targetVp;
        TargetSint = targetSint;
        BaseFlag = baseFlag;
        FlagCount = flagCount;
        Sink = sink;
        if (type == PortType.Message)
        {
            for (var i = 0; i < BufferCount; i++)
                _free.Push(new MessageBuffer(this));
        }
    }

    /// <summary>The port id (24 bits).</summary>
    public uint Id { get; }

    /// <summary>The partition that owns the port (where its messages or events arrive).</summary>
    public Partition Owner { get; }

    /// <summary>Message or event.</summary>
    public PortType Type { get; }

    /// <summary>The VP whose SynIC receives, or null for a host-owned port.</summary>
    public VirtualProcessor? TargetVp { get; }

    /// <summary>The SINT that receives.</summary>
    public int TargetSint { get; }

    /// <summary>Event ports: the first flag number of this port in the SINT's event flags.</summary>
    public ushort BaseFlag { get; }

    /// <summary>Event ports: how many flags the port owns.</summary>
    public ushort FlagCount { get; }

    /// <summary>Host code owning the port, or null when a SynIC receives.</summary>
    public IHostPortSink? Sink { get; }

    /// <summary>
    /// Host-owned message ports: who decides whether a posted message is taken now, or null (the default) when every
    /// message that finds a free buffer is taken. Checked after the connection and the port resolve, before the buffers.
    /// </summary>
    public IHostPortAdmission? Admission { get; set; }

    /// <summary>True once the port is deleted; connections to it then fail with INVALID_PORT_ID.</summary>
    public bool IsDeleted { get; internal set; }

    /// <summary>Message buffers currently free.</summary>
    public int FreeBuffers => _free.Count;

    /// <summary>Messages waiting for host code (host-owned ports).</summary>
    public int PendingHostMessages => _hostQueue.Count;

    /// <summary>Host code takes the oldest queued message, freeing its buffer.</summary>
    /// <param name="message">Receives the 256-byte message.</param>
    /// <returns>False when no message is queued.</returns>
    public bool TryReceive(Span<byte> message)
    {
        if (!_hostQueue.TryDequeue(out var buffer))
            return false;
        buffer.Bytes.CopyTo(message);
        Release(buffer);
        return true;
    }

    internal bool TryAcquire(out MessageBuffer buffer) => _free.TryPop(out buffer!);

    internal void Release(MessageBuffer buffer) => _free.Push(buffer);

    internal void QueueForHost(MessageBuffer buffer) => _hostQueue.Enqueue(buffer);

    /// <summary>"port n (type) of partition".</summary>
    public override string ToString() => $"port {Id} ({Type}) of {Owner.Name}";
}

/// <summary>One of a port's 16 message buffers: a whole 256-byte SynIC message.</summary>
internal sealed class MessageBuffer(Port port)
{
    public Port Port { get; } = port;
    public byte[] Bytes { get; } = new byte[HvMessage.Size];
}

/// <summary>A connection: how a partition reaches a port, by connection id.</summary>
/// <param name="Id">The connection id (24 bits), unique per connecting partition.</param>
/// <param name="Caller">The partition that may use the id.</param>
/// <param name="Port">The port it reaches.</param>
public sealed record Connection(uint Id, Partition Caller, Port Port);
