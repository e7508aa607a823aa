using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using HvCall.VmBus;
using HvCall.VmBus.Messages;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Guest;
using HvCall.Simulation.Machines;

namespace HvCall.Simulation.VmBus;

/// <summary>
/// The guest side of VMBus bring-up, built only on HvCall.Guest, as Linux's <c>drivers/hv</c> does it:
/// SynIC enabled on every VP through (routed) register access, version negotiation newest first,
/// offer collection, one signal on each channel, EOM handling. The same code runs on a flat guest and
/// on a nested root; it never asks whether it is nested.
/// </summary>
public sealed class VmBusClient
{
    /// <summary>The SINT vector (Linux HYPERVISOR_CALLBACK_VECTOR on x86).</summary>
    public const byte SintVector = 0xF3;
    /// <summary>Linux retries PostMessage up to this many times on transient statuses.</summary>
    public const int PostRetries = 100;
    /// <summary>Scheduler steps to wait for a host message before giving up (Linux would wait forever).</summary>
    public const int WaitSteps = 20_000;

    private readonly IReadOnlyList<GuestVp> _vps;
    private readonly List<VmBusOffer> _offers = [];
    private readonly List<string> _errors = [];
    private readonly byte[] _message = new byte[HvMessage.Size];
    private readonly byte[] _request = new byte[HvMessage.MaxPayloadSize];
    private bool _offersKnown;
    private int _vpsDone;

    /// <summary>A client over the guest's VPs; VP 0 is the boot VP that negotiates.</summary>
    /// <param name="vps">The guest's VPs.</param>
    public VmBusClient(IReadOnlyList<GuestVp> vps)
    {
        ArgumentNullException.ThrowIfNull(vps);
        if (vps.Count == 0)
            throw new ArgumentException("VMBus needs at least one VP.", nameof(vps));
        _vps = vps;
    }

    /// <summary>True once a version is accepted and every offer has arrived.</summary>
    public bool Connected { get; private set; }

    /// <summary>The accepted version, or 0.</summary>
    public uint Version { get; private set; }

    /// <summary>The offers received.</summary>
    public IReadOnlyList<VmBusOffer> Offers => _offers;

    /// <summary>Channel signals that succeeded.</summary>
    public int SignalsSent { get; private set; }

    /// <summary>Channel events the host signalled back and the guest consumed.</summary>
    public int EventsReceived { get; private set; }

    /// <summary>EOM writes the guest made because a message was pending.</summary>
    public int EndOfMessages { get; private set; }

    /// <summary>What failed, in order.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>True when every VP's part has finished.</summary>
    public bool Finished => _vpsDone == _vps.Count;

    /// <summary>The actor of one VP: early init and SynIC on it; on VP 0 also negotiation and offers; then its channels' signals.</summary>
    /// <param name="vp">The VP.</param>
    public IEnumerable<object?> RunVp(GuestVp vp)
    {
        ArgumentNullException.ThrowIfNull(vp);
        if (vp.Index == 0)
            IdentifyGuest(vp);
        else
        {
            while (!_offersKnown)
                yield return null;
        }
        EnableSynic(vp);
        if (vp.Index == 0)
        {
            foreach (var step in Negotiate(vp))
                yield return step;
            _offersKnown = true;
        }
        if (Connected)
        {
            foreach (var offer in _offers)
            {
                if (offer.ChildRelId % (uint)_vps.Count != vp.Index)
                    continue;
                var status = vp.Hypercalls.SignalEvent(new HvConnectionId(offer.ConnectionId)).Status;
                if (status == HvStatus.Success)
                    SignalsSent++;
                else
                    _errors.Add($"vp{vp.Index}: signalling channel {offer.ChildRelId} failed: {HvStatusNames.TlfsName(status)}");
                yield return null;
            }
            if (vp.Index == 0)
            {
                for (var waited = 0; EventsReceived < _offers.Count && waited < WaitSteps; waited++)
                {
                    ConsumeEvents(vp);
                    yield return null;
                }
            }
        }
        _vpsDone++;
    }

    // x64 identifies the guest through the GUEST_OS_ID MSR and enables the hypercall page; ARM64 sets
    // HvRegisterGuestOsId through HvCallSetVpRegisters.
    private void IdentifyGuest(GuestVp vp)
    {
        if (vp.Hypercalls.Architecture == HvArchitecture.X64)
        {
            IMsrInstructions msrs = vp.Processor;
            if (!msrs.TryWrite(HvX64Msr.GuestOsId, GuestLayout.LinuxGuestOsId) || !msrs.TryWrite(HvX64Msr.Hypercall, GuestLayout.HypercallPage | 1))
                _errors.Add("vp0: writing GUEST_OS_ID or HYPERCALL faulted");
            return;
        }
        var status = vp.Hypercalls.SetVpRegister(HvRegisterName.GuestOsId, GuestLayout.LinuxGuestOsId).Status;
        if (status != HvStatus.Success)
            _errors.Add($"vp0: setting the guest OS id failed: {HvStatusNames.TlfsName(status)}");
    }

    // Linux hv_synic_enable_regs: SIMP, SIEFP, SINT2, then SCONTROL.
    private void EnableSynic(GuestVp vp)
    {
        var synic = vp.Synic;
        if (!synic.TryWrite(SynicRegister.Simp, SynicPageRegister.Enabled(vp.MessagePage.Gpa).Value) ||
            !synic.TryWrite(SynicRegister.Siefp, SynicPageRegister.Enabled(vp.EventFlagsPage.Gpa).Value) ||
            !synic.TryWrite(SynicRegisters.Sint(VmBusProtocol.MessageSint), SintRegister.Unmasked(SintVector).Value) ||
            !synic.TryWrite(SynicRegister.Scontrol, 1))
            _errors.Add($"vp{vp.Index}: enabling the SynIC failed");
    }

    private IEnumerable<object?> Negotiate(GuestVp vp)
    {
        var messageConnection = 0u;
        foreach (var version in VmBusProtocol.LinuxVersions)
        {
            var connection = version >= VmBusProtocol.Version50 ? VmBusProtocol.MessageConnectionId4 : VmBusProtocol.MessageConnectionId;
            var post = new PostOutcome();
            foreach (var step in Post(vp, connection, VmBusProtocol.WriteInitiateContact(_request, version, vp.Index).ToArray(), post, retryInvalidConnection: false))
                yield return step;
            if (post.Status == HvStatus.InvalidConnectionId)
                continue; // an older host: try the next version, as Linux does
            if (post.Status != HvStatus.Success)
                yield break;
            var reply = new PostOutcome();
            foreach (var step in WaitFor(vp, VmBusMessageType.VersionResponse, reply))
                yield return step;
            if (!reply.Received)
                yield break;
            var (supported, connectionId) = VmBusProtocol.ReadVersionResponse(_message.AsSpan(HvMessage.HeaderSize));
            if (supported)
            {
                Version = version;
                messageConnection = version >= VmBusProtocol.Version50 ? connectionId : VmBusProtocol.MessageConnectionId;
                break;
            }
        }
        if (Version == 0)
        {
            _errors.Add("no VMBus version was accepted");
            yield break;
        }
        var request = new PostOutcome();
        foreach (var step in Post(vp, messageConnection, VmBusProtocol.WriteHeader(_request, VmBusMessageType.RequestOffers).ToArray(), request, retryInvalidConnection: true))
            yield return step;
        if (request.Status != HvStatus.Success)
            yield break;
        while (true)
        {
            var next = new PostOutcome();
            foreach (var step in WaitFor(vp, null, next))
                yield return step;
            if (!next.Received)
                yield break;
            var payload = _message.AsSpan(HvMessage.HeaderSize);
            var type = VmBusProtocol.TypeOf(payload);
            if (type == VmBusMessageType.OfferChannel)
                _offers.Add(VmBusProtocol.ReadOffer(payload));
            else if (type == VmBusMessageType.AllOffersDelivered)
                break;
        }
        Connected = true;
    }

    // vmbus_post_msg: retry transient statuses with back-off; INVALID_CONNECTION_ID is final for INITIATE_CONTACT.
    private IEnumerable<object?> Post(GuestVp vp, uint connectionId, byte[] copy, PostOutcome outcome, bool retryInvalidConnection)
    {
        for (var attempt = 1; ; attempt++)
        {
            outcome.Status = vp.Hypercalls.PostMessage(new HvConnectionId(connectionId), VmBusProtocol.SynicMessageType, copy).Status;
            var transient = outcome.Status is HvStatus.InsufficientMemory or HvStatus.InsufficientBuffers ||
                (retryInvalidConnection && outcome.Status == HvStatus.InvalidConnectionId);
            if (outcome.Status == HvStatus.Success || !transient || attempt == PostRetries)
                break;
            for (var wait = 0; wait < Math.Min(attempt, 8); wait++)
                yield return null;
        }
        if (outcome.Status != HvStatus.Success)
            _errors.Add($"vp{vp.Index}: posting VMBus message type {(uint)VmBusProtocol.TypeOf(copy)} to connection {connectionId} failed: {HvStatusNames.TlfsName(outcome.Status)}");
    }

    private IEnumerable<object?> WaitFor(GuestVp vp, VmBusMessageType? type, PostOutcome outcome)
    {
        for (var waited = 0; waited < WaitSteps; waited++)
        {
            if (TryReceive(vp) && (type is null || VmBusProtocol.TypeOf(_message.AsSpan(HvMessage.HeaderSize)) == type))
            {
                outcome.Received = true;
                yield break;
            }
            yield return null;
        }
        _errors.Add($"vp{vp.Index}: timed out waiting for {(type is { } t ? t.ToString() : "a VMBus message")}");
    }

    // Reads the SINT 2 slot: copy the message, free the slot by swapping its type to NONE, and write
    // EOM only when the hypervisor flagged more messages pending.
    private bool TryReceive(GuestVp vp)
    {
        var slot = vp.MessagePage.Span.Slice(VmBusProtocol.MessageSint * HvMessage.Size, HvMessage.Size);
        ref var typeField = ref MemoryMarshal.Cast<byte, uint>(slot)[0];
        var type = Volatile.Read(ref typeField);
        if (type == HvMessageType.None)
            return false;
        slot.CopyTo(_message);
        var pending = HvMessage.IsMessagePending(slot);
        Interlocked.CompareExchange(ref typeField, HvMessageType.None, type);
        if (pending)
        {
            EndOfMessages++;
            if (!vp.Synic.TryWrite(SynicRegister.Eom, 0))
                _errors.Add($"vp{vp.Index}: writing EOM faulted");
        }
        return type == VmBusProtocol.SynicMessageType;
    }

    // vmbus_chan_sched: test-and-clear each channel's flag in the SINT 2 area of the event flags page.
    private void ConsumeEvents(GuestVp vp)
    {
        var flags = MemoryMarshal.Cast<byte, uint>(vp.EventFlagsPage.Span.Slice(VmBusProtocol.MessageSint * 256, 256));
        foreach (var offer in _offers)
        {
            var bit = 1u << (int)(offer.ChildRelId % 32);
            ref var word = ref flags[(int)(offer.ChildRelId / 32)];
            if ((Interlocked.And(ref word, ~bit) & bit) != 0)
                EventsReceived++;
        }
    }

    private sealed class PostOutcome
    {
        public HvStatus Status { get; set; }
        public bool Received { get; set; }
    }
}
