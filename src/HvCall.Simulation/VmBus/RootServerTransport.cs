using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Guest;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Partitions;
using HvCall.VmBus.Messages;

namespace HvCall.Simulation.VmBus;

/// <summary>How the nested root's VMBus server reaches its L2 guests.</summary>
public enum RootCallSites
{
    /// <summary>HvCallPostMessageDirect and HvCallSignalEventDirect (0xC1, 0xC0), as Linux's mshv root and OpenVMM on mshv do: codes the routing table never marks, so L1 handles them.</summary>
    Direct,
    /// <summary>
    /// Plain HvCallPostMessage and HvCallSignalEvent through connections the root made to its guest's ports on L1, issued
    /// through the routed issuing functions: on a nested root the table sets the nested bit on both codes, so they go
    /// to L0, which has no such connection. After the first failure the same call sites use the explicit per-call
    /// target (<see cref="Hypercalls.ToThisHypervisor"/>) and L1 delivers (each of the two call sites switches on its own first failure).
    /// </summary>
    NaivePorts,
}

/// <summary>
/// The transport of the VMBus server a nested root runs for one of its L2 guests: guest code of the root, built on
/// HvCall.Guest. Guest messages and signals arrive through ports the root created on L1 (HvCallCreatePort,
/// HvCallConnectPort) in the root's own L1 SynIC, which <see cref="RootVmBusHosting"/> reads and hands to this
/// transport; replies and interrupts go back with the Direct calls (or, for <see cref="RootCallSites.NaivePorts"/>,
/// with plain PostMessage/SignalEvent). Ring pages are the child's RAM, which the root, as its VMM, can reach.
/// </summary>
/// <remarks>vmbus-datapath.md §7 (the Direct calls and how mshv uses them); hyperv-abi.md §9.</remarks>
public sealed class RootServerTransport : IVmBusServerTransport
{
    /// <summary>The root's message port for child <i>c</i>: this base plus <i>c</i>.</summary>
    public const uint MessagePortBase = 0x1000;
    /// <summary>The root's event port of child <i>c</i>'s channel <i>relid</i>: this base plus 64·<i>c</i> plus <i>relid</i>.</summary>
    public const uint EventPortBase = 0x2_0000;
    /// <summary>Naive call sites: the root's connection to child <i>c</i>'s message port on VP <i>v</i> is this base plus 256·<i>c</i> plus <i>v</i>.</summary>
    public const uint NaiveMessageConnectionBase = 0x4000;
    /// <summary>Naive call sites: the root's connection to child <i>c</i>'s event port on VP <i>v</i>.</summary>
    public const uint NaiveEventConnectionBase = 0x5000;
    /// <summary>Relids per child in the root's event flags (flag = 64·<i>c</i> + relid).</summary>
    public const int FlagsPerChild = 64;

    private readonly Hypercalls _hypercalls;
    private readonly Partition _child;
    private readonly Queue<byte[]> _messages = new();
    private readonly Queue<uint> _signals = new();
    private readonly HashSet<uint> _preparedVps = [];
    private readonly List<string> _errors = [];
    private bool _explicitPost;
    private bool _explicitSignal;

    internal RootServerTransport(Hypercalls rootVp0, Partition child, int childIndex, RootCallSites callSites)
    {
        _hypercalls = rootVp0;
        _child = child;
        ChildIndex = childIndex;
        CallSites = callSites;
    }

    /// <summary>The child's position among the root's L2 guests.</summary>
    public int ChildIndex { get; }

    /// <summary>How replies and interrupts reach the child.</summary>
    public RootCallSites CallSites { get; }

    /// <summary>The child partition.</summary>
    public Partition Child => _child;

    /// <summary>The root's message port that the child reaches under connection ids 4 and 1.</summary>
    public uint MessagePort => MessagePortBase + (uint)ChildIndex;

    /// <summary>Naive call sites: the routed calls that failed before the call sites switched to the explicit target (code, status).</summary>
    public IReadOnlyList<(HvCallCode Code, HvStatus Status)> NaiveFailures => _naiveFailures;

    private readonly List<(HvCallCode Code, HvStatus Status)> _naiveFailures = [];

    /// <summary>What failed while setting up ports and connections.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <inheritdoc/>
    public GuestMemory Memory => _child.Memory;

    /// <inheritdoc/>
    public Partition Served => _child;

    /// <summary>The root's first hypercalls for this child: its message port on the root's own L1 SynIC, reached by the child under connection ids 4 and 1.</summary>
    internal void Connect()
    {
        Require(_hypercalls.CreatePort(HvRegisterName.PartitionSelf, MessagePort, _child.Id, HvPortInfo.Message(VmBusProtocol.MessageSint, 0)), "its message port");
        Require(_hypercalls.ConnectPort(_child.Id, VmBusProtocol.MessageConnectionId4, HvRegisterName.PartitionSelf, MessagePort, HvPortType.Message), "connection id 4");
        Require(_hypercalls.ConnectPort(_child.Id, VmBusProtocol.MessageConnectionId, HvRegisterName.PartitionSelf, MessagePort, HvPortType.Message), "connection id 1");
    }

    internal void Received(byte[] message) => _messages.Enqueue(message);

    internal void ReceivedSignal(uint relId) => _signals.Enqueue(relId);

    /// <inheritdoc/>
    public void Poll(VmBusHost server)
    {
        ArgumentNullException.ThrowIfNull(server);
        while (_messages.TryDequeue(out var message))
            server.Deliver(message);
        while (_signals.TryDequeue(out var relId))
            server.Signalled(relId);
    }

    /// <inheritdoc/>
    public bool PrepareTarget(uint vp)
    {
        if (_preparedVps.Contains(vp))
            return true;
        if (vp >= (uint)_child.VirtualProcessors.Count)
            return false;
        if (CallSites == RootCallSites.NaivePorts)
        {
            // Ports in the child on SINT 2 of that VP, and the root's connections to them (L1 management calls).
            var ok = _hypercalls.CreatePort(_child.Id, 0x100 + vp, HvRegisterName.PartitionSelf, HvPortInfo.Message(VmBusProtocol.MessageSint, vp)).IsSuccess &&
                _hypercalls.CreatePort(_child.Id, 0x200 + vp, HvRegisterName.PartitionSelf, HvPortInfo.Event(VmBusProtocol.MessageSint, vp, 0, 2048)).IsSuccess &&
                _hypercalls.ConnectPort(HvRegisterName.PartitionSelf, NaiveConnection(NaiveMessageConnectionBase, vp), _child.Id, 0x100 + vp, HvPortType.Message).IsSuccess &&
                _hypercalls.ConnectPort(HvRegisterName.PartitionSelf, NaiveConnection(NaiveEventConnectionBase, vp), _child.Id, 0x200 + vp, HvPortType.Event).IsSuccess;
            if (!ok)
            {
                _errors.Add($"could not make the naive connections to VP {vp}");
                return false;
            }
        }
        _preparedVps.Add(vp);
        return true;
    }

    /// <inheritdoc/>
    public HvStatus Post(uint vp, ReadOnlySpan<byte> message)
    {
        if (CallSites == RootCallSites.Direct)
            return _hypercalls.PostMessageDirect(_child.Id, vp, 0, VmBusProtocol.MessageSint, VmBusProtocol.SynicMessageType, message).Status;
        var connection = new HvConnectionId(NaiveConnection(NaiveMessageConnectionBase, vp));
        var status = Issuer(_explicitPost).PostMessage(connection, VmBusProtocol.SynicMessageType, message).Status;
        if (status != HvStatus.Success && SwitchToExplicit(ref _explicitPost, HvCallCode.PostMessage, status))
            status = Issuer(_explicitPost).PostMessage(connection, VmBusProtocol.SynicMessageType, message).Status;
        return status;
    }

    /// <inheritdoc/>
    public HvStatus Signal(uint vp, ushort flag)
    {
        if (CallSites == RootCallSites.Direct)
            return _hypercalls.SignalEventDirect(_child.Id, vp, 0, VmBusProtocol.MessageSint, flag, out _).Status;
        var connection = new HvConnectionId(NaiveConnection(NaiveEventConnectionBase, vp));
        var status = Issuer(_explicitSignal).SignalEvent(connection, flag).Status;
        if (status != HvStatus.Success && SwitchToExplicit(ref _explicitSignal, HvCallCode.SignalEvent, status))
            status = Issuer(_explicitSignal).SignalEvent(connection, flag).Status;
        return status;
    }

    /// <inheritdoc/>
    public HvStatus OpenEvents(VmBusOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var port = EventPort(offer.ChildRelId);
        var flag = (ushort)(ChildIndex * FlagsPerChild + (int)offer.ChildRelId);
        var status = _hypercalls.CreatePort(HvRegisterName.PartitionSelf, port, _child.Id, HvPortInfo.Event(VmBusProtocol.MessageSint, 0, flag, 1)).Status;
        if (status != HvStatus.Success)
            return status;
        status = _hypercalls.ConnectPort(_child.Id, offer.ConnectionId, HvRegisterName.PartitionSelf, port, HvPortType.Event).Status;
        if (status != HvStatus.Success)
            _hypercalls.DeletePort(HvRegisterName.PartitionSelf, port);
        return status;
    }

    /// <inheritdoc/>
    public void CloseEvents(VmBusOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        _hypercalls.DisconnectPort(_child.Id, offer.ConnectionId);
        _hypercalls.DeletePort(HvRegisterName.PartitionSelf, EventPort(offer.ChildRelId));
    }

    // The routed issuing functions (the table decides the nested bit), or the explicit per-call target once a call
    // site has seen the routed call fail.
    private Hypercalls Issuer(bool explicitTarget) => explicitTarget ? _hypercalls.ToThisHypervisor : _hypercalls;

    private bool SwitchToExplicit(ref bool explicitTarget, HvCallCode code, HvStatus status)
    {
        if (explicitTarget)
            return false;
        _naiveFailures.Add((code, status));
        explicitTarget = true;
        return true;
    }

    private uint EventPort(uint relId) => EventPortBase + (uint)(ChildIndex * FlagsPerChild) + relId;

    private uint NaiveConnection(uint baseId, uint vp) => baseId + (uint)ChildIndex * 0x100 + vp;

    private void Require(HypercallResult result, string what)
    {
        if (!result.IsSuccess)
            _errors.Add($"the root could not make {what} for {_child.Name}: {HvStatusNames.TlfsName(result.Status)}");
    }
}
