using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Simulation.VmBus;
using HvCall.VmBus.Messages;

namespace HvCall.Simulation.Faults;

/// <summary>
/// What must hold at the end of every fault run, whatever the plan did: the run ended; no error on either end; every
/// echo packet came back exactly once and intact, or was lost with its rescinded channel; no control message was lost
/// or duplicated (per type, what one end sent the other handled) and the counts are the ones the protocol prescribes;
/// every channel ended closed (GPADL torn down) or rescinded and released, on both ends, with its event port gone.
/// </summary>
/// <remarks>
/// The expected counts come from the protocol (vmbus.md §3–§4, vmbus-datapath.md §1–§2): one VERSION_RESPONSE per
/// INITIATE_CONTACT, one OFFERCHANNEL per offer then one ALLOFFERS_DELIVERED, per driver channel one GPADL and one
/// OPENCHANNEL answered once each, one CLOSECHANNEL per opened channel, one GPADL_TORNDOWN per GPADL_TEARDOWN, one
/// RELID_RELEASED per RESCIND_CHANNELOFFER, one UNLOAD answered once.
/// </remarks>
public static class FaultInvariants
{
    /// <summary>Checks a finished run.</summary>
    /// <param name="run">The run, after <see cref="FaultRun.Execute"/>.</param>
    /// <returns>One line per violation; empty when every invariant holds.</returns>
    public static IReadOnlyList<string> Check(FaultRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var violations = new List<string>();
        if (!run.Completed)
            violations.Add($"the run did not end within {FaultRun.MaxSteps} steps");
        if (run.Hosting is { } hosting)
        {
            foreach (var error in hosting.Errors)
                violations.Add($"root: {error}");
            foreach (var transport in hosting.Transports)
            {
                foreach (var error in transport.Errors)
                    violations.Add($"root, serving {transport.Child.Name}: {error}");
            }
        }
        foreach (var connection in run.Connections)
            CheckConnection(connection, run.Spec.Workload, violations);
        return violations;
    }

    private static void CheckConnection(FaultConnection link, ChannelWorkload workload, List<string> violations)
    {
        var client = link.Client;
        var server = link.Server;
        void Violation(string text) => violations.Add($"{link.Name}: {text}");

        foreach (var error in client.Errors)
            Violation($"guest error: {error}");
        foreach (var error in server.Errors)
            Violation($"host error: {error}");
        foreach (var violation in link.Ledger.Violations)
            Violation(violation);
        if (!client.Connected || !client.Unloaded)
            Violation($"the guest did not connect and unload (connected {client.Connected}, unloaded {client.Unloaded})");

        CheckControlMessages(link, Violation);
        CheckChannels(link, workload, Violation);
        CheckRetries(link, Violation);
    }

    // Per type, what one end sent the other handled; and the counts the protocol prescribes.
    private static void CheckControlMessages(FaultConnection link, Action<string> violation)
    {
        var posted = link.Client.MessagesPosted;
        var received = link.Client.MessagesReceived;
        var hostReceived = link.Server.MessagesReceivedByType;
        var hostSent = link.Server.MessagesSentByType;
        foreach (var type in Types(posted, hostReceived))
        {
            if (Count(posted, type) != Count(hostReceived, type))
                violation($"{Name(type)}: the guest posted {Count(posted, type)}, the host handled {Count(hostReceived, type)}");
        }
        foreach (var type in Types(hostSent, received))
        {
            if (Count(hostSent, type) != Count(received, type))
                violation($"{Name(type)}: the host sent {Count(hostSent, type)}, the guest took {Count(received, type)}");
        }

        var drivers = 0;
        var opened = 0;
        foreach (var channel in link.Client.Channels)
        {
            if (channel.Device == GuestDevice.None)
                continue;
            drivers++;
            if (channel.Opened)
                opened++;
        }
        void Expect(VmBusMessageType type, IReadOnlyDictionary<VmBusMessageType, int> counts, int expected, string why)
        {
            if (Count(counts, type) != expected)
                violation($"{Name(type)}: {Count(counts, type)}, expected {expected} ({why})");
        }
        Expect(VmBusMessageType.VersionResponse, received, Count(posted, VmBusMessageType.InitiateContact), "one per INITIATE_CONTACT");
        Expect(VmBusMessageType.RequestOffers, posted, 1, "once per connection");
        Expect(VmBusMessageType.OfferChannel, received, link.Server.Offers.Count, "one per offer");
        Expect(VmBusMessageType.AllOffersDelivered, received, 1, "after the offers");
        Expect(VmBusMessageType.GpadlCreated, received, Count(posted, VmBusMessageType.GpadlHeader), "one per GPADL");
        Expect(VmBusMessageType.GpadlHeader, posted, drivers, "one ring GPADL per driver channel");
        Expect(VmBusMessageType.OpenChannel, posted, drivers, "one per driver channel");
        Expect(VmBusMessageType.OpenChannelResult, received, drivers, "one per OPENCHANNEL");
        Expect(VmBusMessageType.CloseChannel, posted, opened, "one per opened channel");
        Expect(VmBusMessageType.GpadlTorndown, received, Count(posted, VmBusMessageType.GpadlTeardown), "one per GPADL_TEARDOWN");
        Expect(VmBusMessageType.RescindChannelOffer, received, link.Faults.Rescinds, "one per rescind");
        Expect(VmBusMessageType.RelIdReleased, posted, link.Faults.Rescinds, "one per rescinded channel");
        Expect(VmBusMessageType.Unload, posted, 1, "at the end");
        Expect(VmBusMessageType.UnloadResponse, received, 1, "one per UNLOAD");

        // A reply no waiter took: only a GPADL_TORNDOWN whose wait the channel's rescind ended first (Linux finds no
        // request for it and drops it).
        foreach (var message in link.Client.UnclaimedMessages)
        {
            var type = VmBusProtocol.TypeOf(message);
            var explained = false;
            if (type == VmBusMessageType.GpadlTorndown && message.Length >= ChannelMessages.GpadlTorndownSize)
            {
                var gpadl = ChannelMessages.ReadFirstField(message);
                foreach (var channel in link.Client.Channels)
                    explained |= channel.Gpadl == gpadl && channel.RescindReceived;
            }
            if (!explained)
                violation($"{Name(type)} ({message.Length} bytes) arrived and nobody took it");
        }
    }

    // Every driver channel ends closed with its GPADL torn down, or rescinded, closed and released; both ends agree.
    private static void CheckChannels(FaultConnection link, ChannelWorkload workload, Action<string> violation)
    {
        var server = link.Server;
        if (server.OpenChannels.Count != 0)
            violation($"{server.OpenChannels.Count} channel(s) still open on the host");
        if (server.GpadlCount != 0 || server.GpadlsAtUnload is not 0)
            violation($"the host still holds GPADLs ({server.GpadlCount} now, {server.GpadlsAtUnload?.ToString() ?? "no UNLOAD"} at UNLOAD)");
        if (server.Unloads != 1)
            violation($"{server.Unloads} UNLOADs answered");
        foreach (var channel in link.Client.Channels)
        {
            if (channel.Device == GuestDevice.None)
                continue;
            var relId = channel.Offer.ChildRelId;
            var name = $"channel {relId} ({channel.DeviceName})";
            var hosted = LastOpened(server, relId);
            if (!channel.Opened || hosted is null)
            {
                violation($"{name} was never opened");
                continue;
            }
            if (link.Listens(channel.Offer))
                violation($"{name}: the host still listens on connection 0x{channel.Offer.ConnectionId:X}");
            if (channel.RescindReceived)
            {
                if (!hosted.Rescinded || !channel.Released || hosted.State != HostChannelState.Released)
                    violation($"{name}: rescinded but not released (guest released {channel.Released}, host {hosted.State})");
            }
            else
            {
                if (hosted.Rescinded || !channel.Closed || hosted.State != HostChannelState.Closed)
                    violation($"{name}: not closed cleanly (guest closed {channel.Closed}, host {hosted.State}, host rescinded {hosted.Rescinded})");
            }
            if (channel.Device == GuestDevice.Echo)
                CheckEcho(link, channel, workload, violation);
            else if (channel.Device == GuestDevice.Heartbeat && !channel.RescindReceived &&
                (channel.HeartbeatsAnswered != workload.HeartbeatRounds || hosted.Device is not HostIcDevice { CompletedRounds: var rounds } || rounds != workload.HeartbeatRounds))
                violation($"{name}: {channel.HeartbeatsAnswered} heartbeats answered, {workload.HeartbeatRounds} run");
            else if (channel.Device == GuestDevice.Shutdown && channel.NegotiatedVersions is null)
                violation($"{name}: not negotiated");
        }
    }

    // Each packet sent came back once and intact (the ledger), all of them unless the channel was rescinded.
    private static void CheckEcho(FaultConnection link, GuestChannel channel, ChannelWorkload workload, Action<string> violation)
    {
        var relId = channel.Offer.ChildRelId;
        var sent = link.Ledger.SentOn(relId);
        var outstanding = link.Ledger.Outstanding(relId);
        if (sent != channel.PacketsSent || sent - outstanding != channel.EchoesVerified)
            violation($"echo: the ledger saw {sent} sent and {sent - outstanding} returned, the guest {channel.PacketsSent} and {channel.EchoesVerified}");
        if (!channel.RescindReceived && (sent != workload.EchoPackets || outstanding != 0))
            violation($"echo: {sent} of {workload.EchoPackets} packets sent, {outstanding} never came back");
    }

    // Every refused PostMessage was retried: a TIMEOUT only comes from the plan; INSUFFICIENT_BUFFERS also from full buffers.
    private static void CheckRetries(FaultConnection link, Action<string> violation)
    {
        if (link.Admission is not { } admission)
            return;
        var retries = link.Client.PostRetriesByStatus;
        var timeouts = admission.Refused.GetValueOrDefault(HvStatus.Timeout);
        if (retries.GetValueOrDefault(HvStatus.Timeout) != timeouts)
            violation($"{timeouts} PostMessage TIMEOUTs, {retries.GetValueOrDefault(HvStatus.Timeout)} retried");
        var buffers = admission.Refused.GetValueOrDefault(HvStatus.InsufficientBuffers);
        if (retries.GetValueOrDefault(HvStatus.InsufficientBuffers) < buffers)
            violation($"{buffers} PostMessage INSUFFICIENT_BUFFERS from the plan, {retries.GetValueOrDefault(HvStatus.InsufficientBuffers)} retried");
    }

    private static HostChannel? LastOpened(VmBusHost server, uint relId)
    {
        for (var i = server.ChannelsOpened.Count - 1; i >= 0; i--)
        {
            if (server.ChannelsOpened[i].Offer.ChildRelId == relId)
                return server.ChannelsOpened[i];
        }
        return null;
    }

    private static int Count(IReadOnlyDictionary<VmBusMessageType, int> counts, VmBusMessageType type) => counts.GetValueOrDefault(type);

    private static SortedSet<VmBusMessageType> Types(IReadOnlyDictionary<VmBusMessageType, int> a, IReadOnlyDictionary<VmBusMessageType, int> b)
    {
        var types = new SortedSet<VmBusMessageType>(a.Keys);
        types.UnionWith(b.Keys);
        return types;
    }

    private static string Name(VmBusMessageType type) => type switch
    {
        VmBusMessageType.OfferChannel => "OFFERCHANNEL",
        VmBusMessageType.RescindChannelOffer => "RESCIND_CHANNELOFFER",
        VmBusMessageType.RequestOffers => "REQUESTOFFERS",
        VmBusMessageType.AllOffersDelivered => "ALLOFFERS_DELIVERED",
        VmBusMessageType.OpenChannel => "OPENCHANNEL",
        VmBusMessageType.OpenChannelResult => "OPENCHANNEL_RESULT",
        VmBusMessageType.CloseChannel => "CLOSECHANNEL",
        VmBusMessageType.GpadlHeader => "GPADL_HEADER",
        VmBusMessageType.GpadlBody => "GPADL_BODY",
        VmBusMessageType.GpadlCreated => "GPADL_CREATED",
        VmBusMessageType.GpadlTeardown => "GPADL_TEARDOWN",
        VmBusMessageType.GpadlTorndown => "GPADL_TORNDOWN",
        VmBusMessageType.RelIdReleased => "RELID_RELEASED",
        VmBusMessageType.InitiateContact => "INITIATE_CONTACT",
        VmBusMessageType.VersionResponse => "VERSION_RESPONSE",
        VmBusMessageType.Unload => "UNLOAD",
        VmBusMessageType.UnloadResponse => "UNLOAD_RESPONSE",
        _ => $"message type {(uint)type}",
    };
}
