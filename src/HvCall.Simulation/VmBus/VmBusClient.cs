using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Guest;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scheduling;
using HvCall.VmBus;
using HvCall.VmBus.Messages;

namespace HvCall.Simulation.VmBus;

/// <summary>
/// The guest side of VMBus, built only on HvCall.Guest and HvCall.VmBus, as Linux's <c>drivers/hv</c> does it:
/// SynIC enabled on every VP through (routed) register access, version negotiation newest first, offers, then
/// for each channel a driver exists for (heartbeat, shutdown, echo): GPADL, OPENCHANNEL, traffic through the
/// rings, CLOSECHANNEL and GPADL teardown; UNLOAD at the end. The same code runs on a flat guest and on a
/// nested root; it never asks whether it is nested.
/// </summary>
/// <remarks>
/// Host messages arrive only in VP 0's SINT 2 slot (the target VP of INITIATE_CONTACT); VP 0 reads them into an
/// inbox, and whoever waits for a reply (negotiation, a channel's open or close) takes it from there, as Linux
/// completes waiters from <c>vmbus_on_msg_dpc</c>. Each channel runs on its target VP, relid mod VP count.
/// </remarks>
public sealed partial class VmBusClient
{
    /// <summary>The SINT vector (Linux HYPERVISOR_CALLBACK_VECTOR on x86).</summary>
    public const byte SintVector = 0xF3;
    /// <summary>Linux retries PostMessage up to this many times on transient statuses.</summary>
    public const int PostRetries = 100;
    /// <summary>Linux's first wait between two PostMessage attempts, in microseconds of virtual time (<c>usec = 1</c>).</summary>
    public const long FirstPostBackOffMicroseconds = 1;
    /// <summary>The wait doubles after each of this many first retries, then stays (Linux: <c>if (retries &lt; 22) usec *= 2</c>).</summary>
    public const int PostBackOffDoublings = 21;
    /// <summary>Scheduler steps to wait for a host message or interrupt before giving up (Linux would wait forever).</summary>
    public const int WaitSteps = 20_000;
    /// <summary>The first GPADL handle, Linux's <c>next_gpadl_handle</c> initial value.</summary>
    public const uint FirstGpadlHandle = 0xE1E10;

    private readonly IReadOnlyList<GuestVp> _vps;
    private readonly GuestPageAllocator _pages;
    private readonly List<VmBusOffer> _offers = [];
    private readonly List<GuestChannel> _channels = [];
    private readonly List<byte[]> _inbox = [];
    private readonly List<string> _errors = [];
    private readonly byte[] _slot = new byte[HvMessage.Size];
    private readonly Dictionary<VmBusMessageType, int> _posted = [];
    private readonly Dictionary<VmBusMessageType, int> _received = [];
    private readonly Dictionary<HvStatus, int> _retried = [];
    private readonly List<ControlMessageRecord> _log = [];
    private uint _messageConnection;
    private uint _nextGpadl = FirstGpadlHandle;
    private bool _offersKnown;
    private bool _failed;
    private int _vpsDone;

    /// <summary>A client over the guest's VPs; VP 0 is the boot VP that negotiates and receives host messages.</summary>
    /// <param name="vps">The guest's VPs.</param>
    /// <param name="pages">Where ring pages come from.</param>
    /// <param name="workload">What the devices do.</param>
    public VmBusClient(IReadOnlyList<GuestVp> vps, GuestPageAllocator pages, ChannelWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(vps);
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(workload);
        if (vps.Count == 0)
            throw new ArgumentException("VMBus needs at least one VP.", nameof(vps));
        _vps = vps;
        _pages = pages;
        Workload = workload;
    }

    /// <summary>What the devices do.</summary>
    public ChannelWorkload Workload { get; }

    /// <summary>True once a version is accepted and every offer has arrived.</summary>
    public bool Connected { get; private set; }

    /// <summary>The accepted version, or 0.</summary>
    public uint Version { get; private set; }

    /// <summary>The offers received.</summary>
    public IReadOnlyList<VmBusOffer> Offers => _offers;

    /// <summary>One entry per offer, in offer order; channels no driver exists for stay unopened.</summary>
    public IReadOnlyList<GuestChannel> Channels => _channels;

    /// <summary>True once UNLOAD was answered with UNLOAD_RESPONSE.</summary>
    public bool Unloaded { get; private set; }

    /// <summary>EOM writes the guest made because a message was pending.</summary>
    public int EndOfMessages { get; private set; }

    /// <summary>What failed, in order.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Control messages the hypervisor accepted from this client (PostMessage SUCCESS), by VMBus message type.</summary>
    public IReadOnlyDictionary<VmBusMessageType, int> MessagesPosted => _posted;

    /// <summary>Control messages the client took from its SINT 2 slot, by VMBus message type (RESCIND_CHANNELOFFER included).</summary>
    public IReadOnlyDictionary<VmBusMessageType, int> MessagesReceived => _received;

    /// <summary>
    /// Every control message of the connection in the guest's order: each one the hypervisor accepted from this client
    /// and each one taken from the SINT 2 slot (the same arrays the client posted or read, so the log costs a list entry).
    /// </summary>
    public IReadOnlyList<ControlMessageRecord> ControlLog => _log;

    /// <summary>PostMessage attempts refused with a status the client retries, by status.</summary>
    public IReadOnlyDictionary<HvStatus, int> PostRetriesByStatus => _retried;

    /// <summary>
    /// Messages received that no waiter took: at the end of a run only a reply whose waiter a rescind completed first
    /// (Linux drops such a reply as it finds no request for it).
    /// </summary>
    public IReadOnlyList<byte[]> UnclaimedMessages => _inbox;

    /// <summary>
    /// Who watches the echo packets from outside the guest (a fault run's ledger), or null (the default): then the echo
    /// path costs one null check per packet more.
    /// </summary>
    public IEchoObserver? EchoObserver { get; set; }

    /// <summary>True when every VP's part has finished.</summary>
    public bool Finished => _vpsDone == _vps.Count;

    internal void Fail(string error) => _errors.Add(error);

    internal uint AllocateGpadlHandle() => _nextGpadl++;

    internal GuestPageAllocator Pages => _pages;

    /// <summary>
    /// The actor of one VP: early init and SynIC on it; on VP 0 also negotiation, offers, the message inbox and
    /// finally UNLOAD; on every VP the channels that target it, interleaved as tasklets.
    /// </summary>
    /// <param name="vp">The VP.</param>
    public IEnumerable<object?> RunVp(GuestVp vp)
    {
        ArgumentNullException.ThrowIfNull(vp);
        var boot = vp.Index == 0;
        if (boot)
            IdentifyGuest(vp);
        else
        {
            while (!_offersKnown && !_failed)
                yield return null;
        }
        EnableSynic(vp);
        var tasks = new TaskList();
        if (boot)
            tasks.Add(Negotiate(vp));
        var channelsStarted = false;
        var unloadStarted = false;
        while (true)
        {
            if (boot)
                Pump(vp);
            if (_offersKnown && !channelsStarted)
            {
                channelsStarted = true;
                foreach (var channel in _channels)
                {
                    if (channel.Vp == vp && channel.Device != GuestDevice.None)
                        tasks.Add(channel.Run());
                }
            }
            tasks.Step();
            if (boot && !unloadStarted && _offersKnown && AllChannelsDone())
            {
                unloadStarted = true;
                tasks.Add(Unload(vp));
            }
            if (tasks.IsEmpty && (!boot || unloadStarted || _failed) && (_offersKnown || _failed))
                break;
            yield return null;
        }
        _vpsDone++;
    }

    private bool AllChannelsDone()
    {
        foreach (var channel in _channels)
        {
            if (!channel.Done)
                return false;
        }
        return true;
    }

    // x64 identifies the guest through the GUEST_OS_ID MSR and enables the hypercall page; ARM64 sets
    // HvRegisterGuestOsId through HvCallSetVpRegisters.
    private void IdentifyGuest(GuestVp vp)
    {
        if (vp.Hypercalls.Architecture == HvArchitecture.X64)
        {
            IMsrInstructions msrs = vp.Processor;
            if (!msrs.TryWrite(HvX64Msr.GuestOsId, GuestLayout.LinuxGuestOsId) || !msrs.TryWrite(HvX64Msr.Hypercall, GuestLayout.HypercallPage | 1))
                Fail("vp0: writing GUEST_OS_ID or HYPERCALL faulted");
            return;
        }
        var status = vp.Hypercalls.SetVpRegister(HvRegisterName.GuestOsId, GuestLayout.LinuxGuestOsId).Status;
        if (status != HvStatus.Success)
            Fail($"vp0: setting the guest OS id failed: {HvStatusNames.TlfsName(status)}");
    }

    // Linux hv_synic_enable_regs: SIMP, SIEFP, SINT2, then SCONTROL.
    private void EnableSynic(GuestVp vp)
    {
        var synic = vp.Synic;
        if (!synic.TryWrite(SynicRegister.Simp, SynicPageRegister.Enabled(vp.MessagePage.Gpa).Value) ||
            !synic.TryWrite(SynicRegister.Siefp, SynicPageRegister.Enabled(vp.EventFlagsPage.Gpa).Value) ||
            !synic.TryWrite(SynicRegisters.Sint(VmBusProtocol.MessageSint), SintRegister.Unmasked(SintVector).Value) ||
            !synic.TryWrite(SynicRegister.Scontrol, 1))
            Fail($"vp{vp.Index}: enabling the SynIC failed");
    }

    private IEnumerable<object?> Negotiate(GuestVp vp)
    {
        var request = new byte[VmBusProtocol.InitiateContactSize];
        var refusals = new List<string>();
        foreach (var version in VmBusProtocol.LinuxVersions)
        {
            var connection = version >= VmBusProtocol.Version50 ? VmBusProtocol.MessageConnectionId4 : VmBusProtocol.MessageConnectionId;
            var post = new Outcome();
            foreach (var step in Post(vp, connection, VmBusProtocol.WriteInitiateContact(request, version, vp.Index).ToArray(), post, retryInvalidConnection: false, report: false))
                yield return step;
            if (post.Status != HvStatus.Success)
            {
                // Linux's vmbus_post_msg returns -EINVAL for INVALID_CONNECTION_ID on INITIATE_CONTACT (an older host without
                // this connection) and for any status it does not retry, and vmbus_connect then tries the next version: an
                // error only if none is left.
                refusals.Add($"vp{vp.Index}: posting VMBus message type {(uint)VmBusMessageType.InitiateContact} to connection {connection} failed: {HvStatusNames.TlfsName(post.Status)}");
                continue;
            }
            var reply = new Outcome();
            foreach (var step in WaitFor(vp, static m => VmBusProtocol.TypeOf(m) == VmBusMessageType.VersionResponse, reply, "VERSION_RESPONSE"))
                yield return step;
            if (reply.Message is null)
                break;
            var (supported, connectionId) = VmBusProtocol.ReadVersionResponse(reply.Message);
            if (supported)
            {
                Version = version;
                _messageConnection = version >= VmBusProtocol.Version50 ? connectionId : VmBusProtocol.MessageConnectionId;
                break;
            }
        }
        if (Version == 0)
        {
            _errors.AddRange(refusals);
            if (_errors.Count == 0)
                Fail("no VMBus version was accepted");
            _failed = true;
            yield break;
        }
        var requested = new Outcome();
        foreach (var step in PostControl(vp, VmBusProtocol.WriteHeader(new byte[VmBusProtocol.HeaderSize], VmBusMessageType.RequestOffers), requested))
            yield return step;
        if (requested.Status != HvStatus.Success)
        {
            _failed = true;
            yield break;
        }
        while (true)
        {
            var next = new Outcome();
            foreach (var step in WaitFor(vp, static m => VmBusProtocol.TypeOf(m) is VmBusMessageType.OfferChannel or VmBusMessageType.AllOffersDelivered, next, "the offers"))
                yield return step;
            if (next.Message is null)
            {
                _failed = true;
                yield break;
            }
            if (VmBusProtocol.TypeOf(next.Message) == VmBusMessageType.AllOffersDelivered)
                break;
            if (next.Message.Length >= VmBusProtocol.OfferChannelSize)
                AddOffer(VmBusProtocol.ReadOffer(next.Message));
        }
        Connected = true;
        _offersKnown = true;
    }

    private void AddOffer(VmBusOffer offer)
    {
        _offers.Add(offer);
        var vp = _vps[(int)(offer.ChildRelId % (uint)_vps.Count)];
        _channels.Add(new GuestChannel(this, offer, vp, GuestDevices.For(offer.InterfaceType)));
    }

    // vmbus_initiate_unload: only from version 3.0 on; the 8-byte header, then wait for UNLOAD_RESPONSE.
    private IEnumerable<object?> Unload(GuestVp vp)
    {
        if (!Connected || Version < 0x0003_0000)
            yield break;
        var posted = new Outcome();
        foreach (var step in PostControl(vp, VmBusProtocol.WriteHeader(new byte[VmBusProtocol.HeaderSize], VmBusMessageType.Unload), posted))
            yield return step;
        if (posted.Status != HvStatus.Success)
            yield break;
        var reply = new Outcome();
        foreach (var step in WaitFor(vp, static m => VmBusProtocol.TypeOf(m) == VmBusMessageType.UnloadResponse, reply, "UNLOAD_RESPONSE"))
            yield return step;
        Unloaded = reply.Message is not null;
    }

    /// <summary>Posts a control message to the negotiated message connection, with Linux's retries.</summary>
    internal IEnumerable<object?> PostControl(GuestVp vp, ReadOnlySpan<byte> message, Outcome outcome) =>
        Post(vp, _messageConnection, message.ToArray(), outcome, retryInvalidConnection: true, report: true);

    /// <summary>
    /// Whether a PostMessage status is transient: Linux's <c>vmbus_post_msg</c> retries INSUFFICIENT_MEMORY,
    /// INSUFFICIENT_BUFFERS and (except on INITIATE_CONTACT) INVALID_CONNECTION_ID. HvCall also retries TIMEOUT, which
    /// Linux treats as fatal: OpenVMM notes that Hyper-V's VMBus answers TIMEOUT "to force the guest to retry"
    /// (host-implementations.md §7), and FreeBSD's <c>vmbus_msghc_exec_noresult</c> retries every status.
    /// </summary>
    /// <param name="status">The PostMessage status.</param>
    /// <param name="retryInvalidConnection">False for INITIATE_CONTACT, where INVALID_CONNECTION_ID means "try the next version".</param>
    public static bool IsTransient(HvStatus status, bool retryInvalidConnection = true) =>
        status is HvStatus.InsufficientMemory or HvStatus.InsufficientBuffers or HvStatus.Timeout ||
        (retryInvalidConnection && status == HvStatus.InvalidConnectionId);

    // vmbus_post_msg: up to 100 attempts; between two, wait usec microseconds (virtual time), starting at 1 and doubling
    // after each of the first 21 retries. INVALID_CONNECTION_ID is final for INITIATE_CONTACT.
    private IEnumerable<object?> Post(GuestVp vp, uint connectionId, byte[] message, Outcome outcome, bool retryInvalidConnection, bool report)
    {
        var backOff = FirstPostBackOffMicroseconds;
        for (var attempt = 1; ; attempt++)
        {
            outcome.Status = vp.Hypercalls.PostMessage(new HvConnectionId(connectionId), VmBusProtocol.SynicMessageType, message).Status;
            if (outcome.Status == HvStatus.Success)
            {
                var type = VmBusProtocol.TypeOf(message);
                _posted[type] = _posted.GetValueOrDefault(type) + 1;
                _log.Add(new ControlMessageRecord(false, message));
                break;
            }
            if (!IsTransient(outcome.Status, retryInvalidConnection) || attempt == PostRetries)
                break;
            _retried[outcome.Status] = _retried.GetValueOrDefault(outcome.Status) + 1;
            foreach (var step in Delay(vp, backOff))
                yield return step;
            if (attempt <= PostBackOffDoublings)
                backOff *= 2;
        }
        if (outcome.Status != HvStatus.Success && report)
            Fail($"vp{vp.Index}: posting VMBus message type {(uint)VmBusProtocol.TypeOf(message)} to connection {connectionId} failed: {HvStatusNames.TlfsName(outcome.Status)}");
    }

    // udelay/msleep on the virtual clock: yield until the VP's time source has moved on by the delay (at least one step).
    // Every scheduler step advances the clock by a microsecond, so a VP never yields more often than the delay's
    // microseconds; that count also bounds the wait on a processor without a clock.
    private static IEnumerable<object?> Delay(GuestVp vp, long microseconds)
    {
        var deadline = vp.Processor.Now + microseconds * 1000;
        for (var yielded = 0L; yielded < microseconds || yielded == 0; yielded++)
        {
            yield return null;
            if (vp.Processor.Now >= deadline)
                yield break;
        }
    }

    /// <summary>
    /// Waits until the inbox holds a message <paramref name="match"/> accepts, and takes it (the oldest such). A wait on
    /// behalf of <paramref name="channel"/> also ends, with no message and no error, once the host rescinds the channel
    /// (Linux's <c>vmbus_rescind_cleanup</c> completes the channel's waiter).
    /// </summary>
    internal IEnumerable<object?> WaitFor(GuestVp vp, MessageMatch match, Outcome outcome, string what, GuestChannel? channel = null)
    {
        for (var waited = 0; waited < WaitSteps && !_failed; waited++)
        {
            for (var i = 0; i < _inbox.Count; i++)
            {
                if (match(_inbox[i]))
                {
                    outcome.Message = _inbox[i];
                    _inbox.RemoveAt(i);
                    yield break;
                }
            }
            if (channel is { RescindReceived: true })
                yield break;
            yield return null;
        }
        Fail($"vp{vp.Index}: timed out waiting for {what}");
    }

    // vmbus_on_msg_dpc on VP 0: copy the SINT 2 slot, free it by swapping its type to NONE, and write EOM only
    // when the hypervisor flagged more messages pending. Messages of another SynIC type are dropped (EOM'd).
    private void Pump(GuestVp vp)
    {
        var type = SynicPages.TakeMessage(vp.MessagePage.Span, VmBusProtocol.MessageSint, _slot, out var pending);
        if (type == HvMessageType.None)
            return;
        if (pending)
        {
            EndOfMessages++;
            if (!vp.Synic.TryWrite(SynicRegister.Eom, 0))
                Fail($"vp{vp.Index}: writing EOM faulted");
        }
        if (type != VmBusProtocol.SynicMessageType)
            return;
        var payload = HvMessage.Payload(_slot).ToArray();
        var messageType = VmBusProtocol.TypeOf(payload);
        _received[messageType] = _received.GetValueOrDefault(messageType) + 1;
        _log.Add(new ControlMessageRecord(true, payload));
        if (messageType == VmBusMessageType.RescindChannelOffer && payload.Length >= VmBusProtocol.MinimumSize(messageType))
            Rescind(ChannelMessages.ReadFirstField(payload));
        else
            _inbox.Add(payload);
    }

    // vmbus_onoffer_rescind: mark the channel rescinded; its coroutine stops its traffic, completes its waits and closes
    // it as Linux's driver remove does (GuestChannel.Run).
    private void Rescind(uint relId)
    {
        foreach (var channel in _channels)
        {
            if (channel.Offer.ChildRelId == relId)
            {
                channel.OnRescind();
                return;
            }
        }
        Fail($"vp0: RESCIND_CHANNELOFFER for channel {relId}, which was never offered");
    }

    /// <summary>Accepts or rejects a received control message.</summary>
    internal delegate bool MessageMatch(byte[] message);

    /// <summary>What a post or a wait ended with.</summary>
    internal sealed class Outcome
    {
        public HvStatus Status { get; set; }
        public byte[]? Message { get; set; }
    }
}

/// <summary>One control message of a VMBus connection as its guest saw it.</summary>
/// <param name="FromHost">True for a message taken from the SINT 2 slot, false for one the guest posted.</param>
/// <param name="Message">The VMBus message (header and body).</param>
public readonly record struct ControlMessageRecord(bool FromHost, byte[] Message)
{
    /// <summary>The message's type (msgtype, u32 @0).</summary>
    public VmBusMessageType Type => VmBusProtocol.TypeOf(Message);
}
