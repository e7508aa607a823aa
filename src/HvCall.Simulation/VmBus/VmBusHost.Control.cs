using System;
using HvCall.Abi;
using HvCall.Hypervisor.Memory;
using HvCall.VmBus;
using HvCall.VmBus.Gpadl;
using HvCall.VmBus.Messages;
using HvCall.VmBus.Rings;
using HvCall.Tracing;

namespace HvCall.Simulation.VmBus;

public sealed partial class VmBusHost
{
    private void Handle(ReadOnlySpan<byte> message)
    {
        var type = VmBusProtocol.TypeOf(message);
        Emit(TraceEventKind.VmBusControlMessage, _targetVp, (uint)type, 0, (ulong)message.Length);
        var minimum = VmBusProtocol.MinimumSize(type);
        if (minimum == 0 || message.Length < minimum)
        {
            Fail($"ignored VMBus message type {(uint)type} ({message.Length} bytes)");
            return;
        }
        if (NegotiatedVersion is null && type is not (VmBusMessageType.InitiateContact or VmBusMessageType.Unload))
        {
            Fail($"ignored VMBus message type {(uint)type} before a version was negotiated");
            return;
        }
        switch (type)
        {
            case VmBusMessageType.InitiateContact:
                InitiateContact(message);
                break;
            case VmBusMessageType.RequestOffers:
                foreach (var offer in _offers)
                    Send(VmBusProtocol.WriteOffer(_reply, offer));
                Send(VmBusProtocol.WriteHeader(_reply, VmBusMessageType.AllOffersDelivered));
                break;
            case VmBusMessageType.GpadlHeader:
                Reply(_gpadls.OnHeader(message));
                break;
            case VmBusMessageType.GpadlBody:
                Reply(_gpadls.OnBody(message));
                break;
            case VmBusMessageType.GpadlTeardown:
                var teardown = _gpadls.OnTeardown(message);
                if (teardown.HasReply)
                    Send(ChannelMessages.WriteGpadlTorndown(_reply, teardown.Gpadl), ChannelMessages.ReadGpadlTeardown(message).ChildRelId);
                else if (teardown.Outcome == GpadlTeardownOutcome.Unknown)
                    Fail($"GPADL_TEARDOWN of 0x{teardown.Gpadl:X} refused: {teardown.Error}");
                break;
            case VmBusMessageType.OpenChannel:
                OpenChannel(ChannelMessages.ReadOpenChannel(message));
                break;
            case VmBusMessageType.CloseChannel:
                var relId = ChannelMessages.ReadFirstField(message);
                if (!CloseChannel(relId))
                    Fail($"CLOSECHANNEL for channel {relId}, which is not open");
                break;
            case VmBusMessageType.RelIdReleased:
                ReleaseRelId(ChannelMessages.ReadFirstField(message));
                break;
            case VmBusMessageType.Unload:
                Unload();
                break;
            default:
                Fail($"ignored VMBus message type {(uint)type} ({message.Length} bytes)");
                break;
        }
    }

    // Every INITIATE_CONTACT is answered; a new one while connected resets the connection (OpenVMM).
    private void InitiateContact(ReadOnlySpan<byte> message)
    {
        var (version, targetVp, sint) = VmBusProtocol.ReadInitiateContact(message);
        if (!_transport.PrepareTarget(targetVp))
        {
            Fail($"no such VP {targetVp} to deliver VMBus messages to");
            return;
        }
        _targetVp = targetVp;
        if (NegotiatedVersion is not null)
            Reset();
        var supported = version <= MaxVersion && VmBusProtocol.LinuxVersions.Contains(version) &&
            (version < VmBusProtocol.Version50 || sint == VmBusProtocol.MessageSint);
        if (supported)
            NegotiatedVersion = version;
        // 5.0 and later: the message connection id to use from now on; older: the version (as OpenVMM writes it);
        // a refusal is all zero (vmbus.md §3, OpenVMM).
        var field = !supported ? 0 : version >= VmBusProtocol.Version50 ? VmBusProtocol.MessageConnectionId : version;
        Send(VmBusProtocol.WriteVersionResponse(_reply, supported, field));
    }

    private void Reply(GpadlResult result)
    {
        if (result.Outcome == GpadlOutcome.Refused)
            Fail($"GPADL 0x{result.Gpadl:X} of channel {result.ChildRelId} refused: {result.Error}");
        else if (result.Outcome == GpadlOutcome.Dropped)
            Fail($"GPADL_BODY for 0x{result.Gpadl:X} dropped: {result.Error}");
        if (result.HasReply)
            Send(result.WriteReply(_reply), result.ChildRelId);
    }

    // OPENCHANNEL: an offered, closed relid; a created GPADL of that channel that splits into two rings; a VP to
    // interrupt; ring indexes that make sense. Anything else is refused with STATUS_UNSUCCESSFUL.
    private void OpenChannel(OpenChannelRequest request)
    {
        if (_revoked.Contains(request.ChildRelId))
        {
            // "Hyper-V ignores OPENCHANNEL for a rescinded channel" (vmbus.md §4 step 6): no reply.
            Fail($"ignored OPENCHANNEL of channel {request.ChildRelId}, which was rescinded");
            return;
        }
        var refusal = TryOpen(request, out var channel);
        if (refusal is not null)
        {
            Fail($"OPENCHANNEL of channel {request.ChildRelId} refused: {refusal}");
            Send(ChannelMessages.WriteOpenChannelResult(_reply, request.ChildRelId, request.OpenId, ChannelMessages.StatusUnsuccessful), request.ChildRelId);
            return;
        }
        _open.Add(request.ChildRelId, channel!);
        _everOpened.Add(channel!);
        Send(ChannelMessages.WriteOpenChannelResult(_reply, request.ChildRelId, request.OpenId, ChannelMessages.StatusSuccess), request.ChildRelId);
    }

    private string? TryOpen(OpenChannelRequest request, out HostChannel? channel)
    {
        channel = null;
        var offer = _offers.Find(o => o.ChildRelId == request.ChildRelId);
        if (offer is null)
            return "no such channel was offered";
        if (_open.ContainsKey(request.ChildRelId))
            return "the channel is already open";
        if (!_gpadls.TryGetCreated(request.RingGpadl, out var owner, out var ranges) || owner != request.ChildRelId)
            return $"GPADL 0x{request.RingGpadl:X} is not a created GPADL of this channel";
        if (!RingGpadl.TrySplit(ranges, request.DownstreamPageOffset, out var split, out var splitError))
            return $"the ring GPADL does not split at page {request.DownstreamPageOffset}: {splitError}";
        if (!_transport.PrepareTarget(request.TargetVp))
            return $"no such target VP {request.TargetVp}";
        var incoming = new IncomingRing(ResolveRing(split.Upstream.Span));
        var outgoing = new OutgoingRing(ResolveRing(split.Downstream.Span));
        if (incoming.Status != RingStatus.Ok || outgoing.Status != RingStatus.Ok)
            return "a ring index is misaligned or out of range";
        if (!_gpadls.TryMarkInUse(request.ChildRelId, request.RingGpadl, out var useError))
            return $"the ring GPADL cannot be used: {useError}";
        var events = _transport.OpenEvents(offer);
        if (events != HvStatus.Success)
        {
            _gpadls.Release(request.RingGpadl);
            return $"the channel's event connection could not be made: {HvStatusNames.TlfsName(events)}";
        }
        channel = new HostChannel(this, offer, request.RingGpadl, request.TargetVp, outgoing, incoming, CreateDevice(offer, incoming.DataSize));
        return null;
    }

    // The GPADL's pages, already checked to lie inside the partition, resolved once at open.
    private RingMemory ResolveRing(ReadOnlySpan<ulong> pfns)
    {
        var data = new Memory<byte>[pfns.Length - 1];
        for (var i = 1; i < pfns.Length; i++)
            data[i - 1] = _transport.Memory.Page(pfns[i] * GuestMemory.PageSize);
        return new RingMemory(_transport.Memory.Page(pfns[0] * GuestMemory.PageSize), data);
    }

    private HostDevice CreateDevice(VmBusOffer offer, int dataSize) =>
        offer.InterfaceType == VmBusDevices.Heartbeat ? new HostIcDevice(heartbeat: true, Workload.HeartbeatRounds, FirstHeartbeatSequence) :
        offer.InterfaceType == VmBusDevices.Shutdown ? new HostIcDevice(heartbeat: false, 0, 0) :
        offer.InterfaceType == VmBusDevices.Echo ? new HostEchoDevice(dataSize) :
        new HostIdleDevice();

    // CLOSECHANNEL has no reply; the ring GPADL is released, completing a deferred teardown (also of a rescinded channel,
    // whose guest sent GPADL_TEARDOWN before it saw the rescind: OpenVMM answers "tearing-down ones" with TORNDOWN).
    private bool CloseChannel(uint relId, HostChannelState state = HostChannelState.Closed)
    {
        if (!_open.Remove(relId, out var channel))
            return false;
        channel.State = state;
        _transport.CloseEvents(channel.Offer);
        if (_gpadls.Release(channel.Gpadl))
            Send(ChannelMessages.WriteGpadlTorndown(_reply, channel.Gpadl), relId);
        return true;
    }

    // RELID_RELEASED (12 bytes, relid @8): the guest is done with a rescinded channel it has closed. The host drops the
    // channel's GPADLs without TORNDOWN (the guest skipped GPADL_TEARDOWN) and may reuse the relid; refused while the
    // channel is open (OpenVMM handle_rel_id_released) and for a relid that was never rescinded.
    private void ReleaseRelId(uint relId)
    {
        if (!_revoked.Contains(relId))
        {
            Fail($"RELID_RELEASED for channel {relId}, which was not rescinded");
            return;
        }
        if (_open.ContainsKey(relId))
        {
            Fail($"RELID_RELEASED for channel {relId}, which is still open");
            return;
        }
        _revoked.Remove(relId);
        _gpadls.ReleaseChannel(relId);
        for (var i = _everOpened.Count - 1; i >= 0; i--)
        {
            if (_everOpened[i].Offer.ChildRelId == relId)
            {
                _everOpened[i].State = HostChannelState.Released;
                break;
            }
        }
    }

    private void Unload()
    {
        GpadlsAtUnload = _gpadls.Count;
        Reset();
        Unloads++;
        Send(VmBusProtocol.WriteHeader(_reply, VmBusMessageType.UnloadResponse));
    }

    private void Reset()
    {
        foreach (var relId in new System.Collections.Generic.List<uint>(_open.Keys))
            CloseChannel(relId, HostChannelState.Reset);
        _gpadls = NewGpadlTable();
        _revoked.Clear();
        NegotiatedVersion = null;
    }
}

/// <summary>A device the simulated host offers but has no behaviour for (network, storage): it reads nothing and sends nothing.</summary>
public sealed class HostIdleDevice : HostDevice
{
    /// <inheritdoc/>
    internal override void Step(HostChannel channel) => channel.TrySleep();
}
