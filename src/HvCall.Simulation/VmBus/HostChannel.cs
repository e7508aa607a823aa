using System;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.VmBus;
using HvCall.VmBus.Messages;
using HvCall.VmBus.Rings;
using HvCall.Tracing;

namespace HvCall.Simulation.VmBus;

/// <summary>Where an opened channel stands on the host.</summary>
public enum HostChannelState
{
    /// <summary>Open (also after a rescind, until the guest's CLOSECHANNEL).</summary>
    Open,
    /// <summary>Closed by the guest's CLOSECHANNEL.</summary>
    Closed,
    /// <summary>Rescinded, closed by the guest, and its relid released by RELID_RELEASED: the host freed what the channel held.</summary>
    Released,
    /// <summary>Closed by the host because the connection ended (UNLOAD or a new INITIATE_CONTACT) while the channel was open.</summary>
    Reset,
}

/// <summary>
/// An open channel as the L0 VMBus server sees it: the rings resolved from the GPADL's pages at OPENCHANNEL, the
/// device behind it, and the host's half of the signalling protocol. The host's incoming ring starts masked
/// (it polls after an open or a signal, and unmasks and looks again before it sleeps); a host that found its
/// outgoing ring full arms pending_send_sz and sleeps until the guest signals.
/// </summary>
/// <remarks>vmbus-datapath.md §3–§5 and §9; vmbus-room.md §2 (host endpoints, hostile rings).</remarks>
public sealed class HostChannel
{
    private readonly VmBusHost _server;

    internal HostChannel(VmBusHost server, VmBusOffer offer, uint gpadl, uint targetVp, OutgoingRing outgoing, IncomingRing incoming, HostDevice device)
    {
        _server = server;
        Offer = offer;
        Gpadl = gpadl;
        TargetVp = targetVp;
        Outgoing = outgoing;
        Incoming = incoming;
        Device = device;
        outgoing.InitializeAsHost();
        incoming.InitializeAsHost();
        Awake = true;
    }

    /// <summary>The offer.</summary>
    public VmBusOffer Offer { get; }

    /// <summary>The ring GPADL.</summary>
    public uint Gpadl { get; }

    /// <summary>The guest VP that takes this channel's interrupts.</summary>
    public uint TargetVp { get; }

    /// <summary>Host → guest ring.</summary>
    public OutgoingRing Outgoing { get; }

    /// <summary>Guest → host ring.</summary>
    public IncomingRing Incoming { get; }

    /// <summary>The device.</summary>
    public HostDevice Device { get; }

    /// <summary>True while the host has work to look at: after the open and after each guest signal.</summary>
    public bool Awake { get; internal set; }

    /// <summary>True once the host stopped servicing the channel because the guest corrupted a ring.</summary>
    public bool Broken { get; private set; }

    /// <summary>True once the host rescinded the channel (RESCIND_CHANNELOFFER): its device stops and the rings are left as they are.</summary>
    public bool Rescinded { get; private set; }

    /// <summary>Where the channel stands.</summary>
    public HostChannelState State { get; internal set; }

    /// <summary>Guest signals the host lost (a fault plan's lost signal), counted in <see cref="SignalsReceived"/> too.</summary>
    public long SignalsLost { get; internal set; }

    /// <summary>Times a fault plan's host looked at the sleeping channel without a signal (its polling).</summary>
    public long Polls { get; internal set; }

    /// <summary>Host steps the channel has been asleep in a row (a fault plan's host polls after a set number).</summary>
    internal long IdleHostSteps { get; set; }

    /// <summary>Packets the host read from the guest.</summary>
    public long PacketsReceived { get; internal set; }

    /// <summary>Packets the host wrote to the guest.</summary>
    public long PacketsSent { get; private set; }

    /// <summary>Guest signals received (HvCallSignalEvent on the channel's connection).</summary>
    public long SignalsReceived { get; internal set; }

    /// <summary>Host → guest interrupts requested (event flag relid set through the SynIC).</summary>
    public long SignalsSent { get; private set; }

    /// <summary>Runs the device while there is work; called once per host step.</summary>
    internal void Step()
    {
        if (!Awake || Broken || Rescinded)
            return;
        Device.Step(this);
    }

    /// <summary>The host rescinds the channel: the device stops where it is; what it read and did not echo is not sent.</summary>
    internal void Rescind()
    {
        Rescinded = true;
        Awake = false;
    }

    /// <summary>Publishes the host's writes and reads, and signals the guest when either rule says so.</summary>
    internal void CommitAll()
    {
        var signal = Outgoing.Commit();
        signal |= Incoming.Commit();
        if (signal)
            SignalGuest();
    }

    /// <summary>Writes one in-band packet to the guest's ring (not yet committed); counts and traces it when written.</summary>
    internal RingStatus TrySend(ulong transactionId, ReadOnlySpan<byte> payload)
    {
        var status = Outgoing.TryWrite(VmBusPacketType.DataInBand, transactionId, payload);
        if (status != RingStatus.Ok)
            return status;
        PacketsSent++;
        _server.Emit(TraceEventKind.VmBusPacket, TargetVp, Offer.ChildRelId, (ulong)VmBusPacketType.DataInBand, (ulong)OutgoingRing.PacketBytes(payload.Length), 1);
        _server.Emit(TraceEventKind.RingFill, TargetVp, Offer.ChildRelId, (ulong)(Outgoing.MaxPacketBytes - Outgoing.Free()), (ulong)Outgoing.DataSize, 1);
        return status;
    }

    /// <summary>
    /// Reads the guest's next packet. False when there is none: then the host has committed what it did, and it is
    /// either still <see cref="Awake"/> (data arrived while it unmasked: read again) or asleep (or broken).
    /// </summary>
    internal bool TryReceive(Span<byte> payload, out PacketDescriptor descriptor, out int length)
    {
        var status = Incoming.TryRead(payload, out descriptor, out length);
        if (status == RingStatus.Ok)
        {
            PacketsReceived++;
            _server.Emit(TraceEventKind.VmBusPacket, TargetVp, Offer.ChildRelId, (ulong)descriptor.Type, (ulong)descriptor.RingBytes, 0);
            return true;
        }
        CommitAll();
        if (status == RingStatus.Empty)
            TrySleep();
        else
            Break("reading the guest's ring", status);
        return false;
    }

    /// <summary>
    /// The host found nothing more to do: unmask its incoming ring, look again, and sleep only if it is still
    /// empty. Returns true when data arrived meanwhile (the device should keep reading).
    /// </summary>
    internal bool TrySleep()
    {
        if (Incoming.UnmaskInterrupts())
        {
            Incoming.MaskInterrupts();
            return true;
        }
        Awake = false;
        return false;
    }

    /// <summary>The host's writer is blocked on a full ring: pending_send_sz armed, sleep until the guest signals.</summary>
    /// <returns>True when room appeared while arming (write again now).</returns>
    internal bool WaitForRoom(int packetBytes)
    {
        if (Outgoing.ArmPendingSend(packetBytes))
            return true;
        Awake = false;
        Incoming.UnmaskInterrupts();
        return false;
    }

    /// <summary>Stops servicing the channel after the guest corrupted a ring; traced, never thrown.</summary>
    internal void Break(string what, RingStatus status)
    {
        Broken = true;
        Awake = false;
        _server.Fail($"channel {Offer.ChildRelId}: {what}: {status}; the host stops servicing it");
    }

    internal void Fail(string error) => _server.Fail($"channel {Offer.ChildRelId}: {error}");

    private void SignalGuest()
    {
        SignalsSent++;
        var status = _server.SignalGuest(TargetVp, (ushort)Offer.ChildRelId);
        if (status != HvStatus.Success)
            _server.Fail($"signalling channel {Offer.ChildRelId} to the guest failed: {HvStatusNames.TlfsName(status)}");
    }
}
