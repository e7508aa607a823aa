using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Simulation.Machines;
using HvCall.VmBus;
using HvCall.VmBus.Gpadl;
using HvCall.VmBus.Messages;
using HvCall.VmBus.Rings;

namespace HvCall.Simulation.VmBus;

/// <summary>The guest drivers of the simulated guest.</summary>
public enum GuestDevice
{
    /// <summary>No driver: the channel stays offered and unopened (network, storage).</summary>
    None,
    /// <summary>The heartbeat integration component (Linux hv_utils).</summary>
    Heartbeat,
    /// <summary>The shutdown integration component (Linux hv_utils).</summary>
    Shutdown,
    /// <summary>HvCall's echo device (throughput).</summary>
    Echo,
}

/// <summary>
/// One offered channel as the guest drives it (Linux <c>vmbus_open</c> / <c>vmbus_close</c>): allocate ring pages,
/// GPADL_HEADER (+ BODY) → GPADL_CREATED, initialise both rings, OPENCHANNEL with its target VP →
/// OPENCHANNEL_RESULT, the device's traffic, then CLOSECHANNEL and GPADL_TEARDOWN → GPADL_TORNDOWN.
/// </summary>
/// <remarks>
/// vmbus-datapath.md §1–§5. The GPADL covers [guest→host ring | host→guest ring]; each ring is a control page and
/// data pages. The guest signals the host with fast HvCallSignalEvent on the offer's connection id only when
/// <see cref="SignalRules"/> says so, and takes host interrupts from event flag <i>relid</i> in the SINT 2 area of
/// its target VP's event flags page.
/// </remarks>
public sealed partial class GuestChannel
{
    private readonly VmBusClient _client;
    private OutgoingRing? _outgoing;
    private IncomingRing? _incoming;
    private int _idleSteps;

    internal GuestChannel(VmBusClient client, VmBusOffer offer, GuestVp vp, GuestDevice device)
    {
        _client = client;
        Offer = offer;
        Vp = vp;
        Device = device;
        Done = device == GuestDevice.None;
    }

    /// <summary>The offer.</summary>
    public VmBusOffer Offer { get; }

    /// <summary>The guest driver bound to it.</summary>
    public GuestDevice Device { get; }

    /// <summary>The device's name ("heartbeat", "network", …).</summary>
    public string DeviceName => VmBusDevices.NameOf(Offer.InterfaceType);

    /// <summary>The VP the channel runs on and takes interrupts on (relid mod VP count).</summary>
    public GuestVp Vp { get; }

    /// <summary>True once OPENCHANNEL_RESULT reported success.</summary>
    public bool Opened { get; private set; }

    /// <summary>True once the channel was closed and its GPADL torn down.</summary>
    public bool Closed { get; private set; }

    /// <summary>The ring GPADL's handle, or 0.</summary>
    public uint Gpadl { get; private set; }

    /// <summary>Pages of the ring GPADL (both rings, control pages included), or 0.</summary>
    public int RingPages { get; private set; }

    /// <summary>Packets the guest wrote into its outbound ring.</summary>
    public long PacketsSent { get; private set; }

    /// <summary>Packets the guest read from its inbound ring.</summary>
    public long PacketsReceived { get; private set; }

    /// <summary>HvCallSignalEvent calls the guest issued for this channel.</summary>
    public long SignalsSent { get; private set; }

    /// <summary>Host interrupts taken: the channel's event flag found set (test-and-clear).</summary>
    public long InterruptsReceived { get; private set; }

    /// <summary>True when the channel's work has ended, well or not.</summary>
    public bool Done { get; private set; }

    /// <summary>True once the host rescinded the offer (RESCIND_CHANNELOFFER): the guest stops using the channel.</summary>
    public bool RescindReceived { get; private set; }

    /// <summary>
    /// True once the guest released the relid of the rescinded channel (RELID_RELEASED), after closing it without a GPADL
    /// teardown as Linux does (vmbus-datapath.md §1).
    /// </summary>
    public bool Released { get; private set; }

    internal void OnRescind() => RescindReceived = true;

    private string Name => $"channel {Offer.ChildRelId} ({DeviceName})";

    /// <summary>
    /// The channel's coroutine: open, device traffic, close. A rescind at any point stops the traffic and ends the waits;
    /// then, as Linux's <c>vmbus_onoffer_rescind</c> → driver remove → <c>vmbus_close</c> → <c>hv_process_channel_removal</c>:
    /// CLOSECHANNEL if the channel was opened, no GPADL_TEARDOWN, and RELID_RELEASED.
    /// </summary>
    internal IEnumerable<object?> Run()
    {
        try
        {
            foreach (var step in Open())
                yield return step;
            if (Opened && !RescindReceived)
            {
                var device = Device switch
                {
                    GuestDevice.Echo => RunEcho(),
                    _ => RunIcResponder(),
                };
                foreach (var step in device)
                    yield return step;
            }
            if (Opened)
            {
                foreach (var step in Close())
                    yield return step;
            }
            if (RescindReceived)
            {
                foreach (var step in ReleaseRelId())
                    yield return step;
            }
        }
        finally
        {
            Done = true;
        }
    }

    private IEnumerable<object?> Open()
    {
        var ringPages = Device == GuestDevice.Echo ? _client.Workload.EchoRingPages : _client.Workload.IcRingPages;
        var pages = new AllocatedPage[2 * ringPages];
        if (!_client.Pages.TryAllocate(pages))
        {
            Fail("no guest pages left for the rings");
            yield break;
        }
        var pfns = new ulong[pages.Length];
        for (var i = 0; i < pages.Length; i++)
            pfns[i] = pages[i].Pfn;
        var gpadl = _client.AllocateGpadlHandle();
        var buffer = new byte[GpadlMessages.MaxMessageSize];
        var messages = new List<byte[]>();
        var writer = new GpadlMessageWriter(Offer.ChildRelId, gpadl, pfns);
        while (writer.TryWriteNext(buffer, out var length))
            messages.Add(buffer.AsSpan(0, length).ToArray());
        foreach (var message in messages)
        {
            var posted = new VmBusClient.Outcome();
            foreach (var step in _client.PostControl(Vp, message, posted))
                yield return step;
            if (posted.Status != HvStatus.Success)
                yield break;
        }
        var relId = Offer.ChildRelId;
        var created = new VmBusClient.Outcome();
        foreach (var step in _client.WaitFor(Vp, m => VmBusProtocol.TypeOf(m) == VmBusMessageType.GpadlCreated &&
            m.Length >= ChannelMessages.GpadlCreatedSize && ChannelMessages.ReadGpadlCreated(m) is var c && c.ChildRelId == relId && c.Gpadl == gpadl,
            created, $"GPADL_CREATED of {Name}", this))
            yield return step;
        if (created.Message is null)
            yield break;
        var creation = ChannelMessages.ReadGpadlCreated(created.Message).Status;
        if (creation != ChannelMessages.StatusSuccess)
        {
            Fail($"the host refused the GPADL: status 0x{creation:X8}");
            yield break;
        }
        Gpadl = gpadl;
        RingPages = pages.Length;

        // hv_ringbuffer_init after the GPADL: zero both control pages, feature_bits = 1; then OPENCHANNEL.
        var outbound = Ring(pages.AsSpan(0, ringPages));
        var inbound = Ring(pages.AsSpan(ringPages));
        new RingControl(outbound).InitializeAsGuest();
        new RingControl(inbound).InitializeAsGuest();
        var open = new OpenChannelRequest(relId, relId, gpadl, Vp.Index, (uint)ringPages);
        var openPosted = new VmBusClient.Outcome();
        foreach (var step in _client.PostControl(Vp, ChannelMessages.WriteOpenChannel(new byte[ChannelMessages.OpenChannelSize], open), openPosted))
            yield return step;
        if (openPosted.Status != HvStatus.Success)
            yield break;
        var result = new VmBusClient.Outcome();
        foreach (var step in _client.WaitFor(Vp, m => VmBusProtocol.TypeOf(m) == VmBusMessageType.OpenChannelResult &&
            m.Length >= ChannelMessages.OpenChannelResultSize && ChannelMessages.ReadOpenChannelResult(m) is var r && r.ChildRelId == relId && r.OpenId == relId,
            result, $"OPENCHANNEL_RESULT of {Name}", this))
            yield return step;
        if (result.Message is null)
            yield break;
        var status = ChannelMessages.ReadOpenChannelResult(result.Message).Status;
        if (status != ChannelMessages.StatusSuccess)
        {
            Fail($"the host refused OPENCHANNEL: status 0x{status:X8}");
            yield break;
        }
        _outgoing = new OutgoingRing(outbound);
        _incoming = new IncomingRing(inbound);
        Opened = true;
    }

    // vmbus_close: CLOSECHANNEL (no reply exists), then GPADL_TEARDOWN and wait for GPADL_TORNDOWN; once the channel is
    // rescinded the teardown is skipped (vmbus_teardown_gpadl) and a wait for GPADL_TORNDOWN ends.
    private IEnumerable<object?> Close()
    {
        var relId = Offer.ChildRelId;
        var closed = new VmBusClient.Outcome();
        foreach (var step in _client.PostControl(Vp, ChannelMessages.WriteRelIdMessage(new byte[ChannelMessages.RelIdMessageSize], VmBusMessageType.CloseChannel, relId), closed))
            yield return step;
        if (closed.Status != HvStatus.Success)
            yield break;
        _outgoing = null;
        _incoming = null;
        if (RescindReceived)
            yield break;
        var gpadl = Gpadl;
        var teardown = new VmBusClient.Outcome();
        foreach (var step in _client.PostControl(Vp, ChannelMessages.WriteGpadlTeardown(new byte[ChannelMessages.GpadlTeardownSize], relId, gpadl), teardown))
            yield return step;
        if (teardown.Status != HvStatus.Success)
            yield break;
        var torndown = new VmBusClient.Outcome();
        foreach (var step in _client.WaitFor(Vp, m => VmBusProtocol.TypeOf(m) == VmBusMessageType.GpadlTorndown &&
            m.Length >= ChannelMessages.GpadlTorndownSize && ChannelMessages.ReadFirstField(m) == gpadl, torndown, $"GPADL_TORNDOWN of {Name}", this))
            yield return step;
        Closed = torndown.Message is not null;
    }

    // hv_process_channel_removal: RELID_RELEASED, after which the host may reuse the relid.
    private IEnumerable<object?> ReleaseRelId()
    {
        var released = new VmBusClient.Outcome();
        foreach (var step in _client.PostControl(Vp, ChannelMessages.WriteRelIdMessage(new byte[ChannelMessages.RelIdMessageSize], VmBusMessageType.RelIdReleased, Offer.ChildRelId), released))
            yield return step;
        Released = released.Status == HvStatus.Success;
    }

    private static RingMemory Ring(ReadOnlySpan<AllocatedPage> pages)
    {
        var data = new Memory<byte>[pages.Length - 1];
        for (var i = 1; i < pages.Length; i++)
            data[i - 1] = pages[i].Memory;
        return new RingMemory(pages[0].Memory, data);
    }

    /// <summary>vmbus_chan_sched: test-and-clear the channel's flag in the SINT 2 area of its VP's event flags page.</summary>
    private bool TakeInterrupt()
    {
        if (!SynicPages.TakeFlag(Vp.EventFlagsPage.Span, VmBusProtocol.MessageSint, (int)Offer.ChildRelId))
            return false;
        InterruptsReceived++;
        return true;
    }

    /// <summary>vmbus_setevent: fast HvCallSignalEvent with the offer's connection id, flag 0.</summary>
    private void SignalHost()
    {
        SignalsSent++;
        var status = Vp.Hypercalls.SignalEvent(new HvConnectionId(Offer.ConnectionId)).Status;
        if (status != HvStatus.Success)
            Fail($"signalling the host failed: {HvStatusNames.TlfsName(status)}");
    }

    private void CommitSends()
    {
        if (_outgoing!.Commit())
            SignalHost();
    }

    private void CommitReceives()
    {
        if (_incoming!.Commit())
            SignalHost();
    }

    /// <summary>Counts an idle step; false (with an error) once the channel has waited <see cref="VmBusClient.WaitSteps"/> in a row.</summary>
    private bool Idle(string what)
    {
        if (++_idleSteps < VmBusClient.WaitSteps)
            return true;
        Fail($"timed out waiting for {what}");
        return false;
    }

    private void Busy() => _idleSteps = 0;

    private void Fail(string error) => _client.Fail($"vp{Vp.Index}: {Name}: {error}");
}
