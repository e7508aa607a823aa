using System.Collections.Generic;
using HvCall.Simulation.VmBus;

namespace HvCall.Simulation.Scenarios;

/// <summary>The channels of one VMBus connection at the end of a run, from the guest's side with the server's device results.</summary>
/// <param name="Channels">One report per offer.</param>
/// <param name="Heartbeats">Heartbeat rounds the server completed.</param>
/// <param name="ShutdownVersion">The negotiated shutdown version ("3.2"), or null.</param>
/// <param name="EchoesVerified">Echo packets that came back intact.</param>
internal sealed record ChannelSummary(IReadOnlyList<ChannelReport> Channels, int Heartbeats, string? ShutdownVersion, long EchoesVerified)
{
    public static ChannelSummary Of(VmBusClient client, VmBusHost server)
    {
        var channels = new List<ChannelReport>();
        var heartbeats = 0;
        string? shutdownVersion = null;
        long echoes = 0;
        foreach (var channel in client.Channels)
        {
            var hosted = LastOpened(server, channel.Offer.ChildRelId);
            if (hosted?.Device is HostIcDevice ic)
            {
                if (channel.Device == GuestDevice.Heartbeat)
                    heartbeats += ic.CompletedRounds;
                else if (channel.Device == GuestDevice.Shutdown && ic.Negotiated is { } versions)
                    shutdownVersion = versions.Service.ToString();
            }
            echoes += channel.EchoesVerified;
            channels.Add(new ChannelReport
            {
                RelId = channel.Offer.ChildRelId,
                Device = channel.DeviceName,
                InterfaceType = channel.Offer.InterfaceType,
                ConnectionId = channel.Offer.ConnectionId,
                TargetVp = channel.Vp.Index,
                Opened = channel.Opened,
                Closed = channel.Closed,
                Gpadl = channel.Gpadl,
                RingPages = channel.RingPages,
                PacketsSent = channel.PacketsSent,
                PacketsReceived = channel.PacketsReceived,
                SignalsSent = channel.SignalsSent,
                InterruptsReceived = channel.InterruptsReceived,
                HostSignals = hosted?.SignalsSent ?? 0,
            });
        }
        return new ChannelSummary(channels, heartbeats, shutdownVersion, echoes);
    }

    private static HostChannel? LastOpened(VmBusHost host, uint relId)
    {
        HostChannel? found = null;
        foreach (var channel in host.ChannelsOpened)
        {
            if (channel.Offer.ChildRelId == relId)
                found = channel;
        }
        return found;
    }
}
