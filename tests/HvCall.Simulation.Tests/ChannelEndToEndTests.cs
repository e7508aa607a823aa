using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.VmBus;
using Xunit;
using static HvCall.Simulation.Tests.SimulationHarness;

namespace HvCall.Simulation.Tests;

/// <summary>
/// The whole channel scenario with the default workload on flat x64, nested x64 and flat ARM64 with 1, 2 and 4
/// VPs: offers, which channels open, GPADLs and rings, the devices' work, signals, close and unload, and the
/// host's state at the end (vmbus.md §4–§5; vmbus-datapath.md §1–§6, §9).
/// </summary>
public sealed class ChannelEndToEndTests
{
    public static TheoryData<Topology, HvArchitecture, int> Machines()
    {
        var data = new TheoryData<Topology, HvArchitecture, int>();
        foreach (var vps in new[] { 1, 2, 4 })
        {
            data.Add(Topology.Flat, HvArchitecture.X64, vps);
            data.Add(Topology.Nested, HvArchitecture.X64, vps);
            data.Add(Topology.Flat, HvArchitecture.Arm64, vps);
        }
        return data;
    }

    private static HostedRun Run(Topology topology, HvArchitecture architecture, int vps)
    {
        var run = RunHosted(Options(topology, architecture, vps, seed: (ulong)(17 + vps)));
        Assert.True(run.Report.Succeeded, Describe(run.Report));
        return run;
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void Offers_AreTheFiveDevices_WithTheirRealGuids(Topology topology, HvArchitecture architecture, int vps)
    {
        var report = Run(topology, architecture, vps).Report;
        Assert.Equal(OfferedTypes, report.Offers.Select(o => o.InterfaceType).ToArray());
        Assert.Equal(OfferedTypes, report.Channels.Select(c => c.InterfaceType).ToArray());
        Assert.Equal(["network", "storage", "heartbeat", "shutdown", "echo"], report.Channels.Select(c => c.Device).ToArray());
        Assert.Equal([1u, 2u, 3u, 4u, 5u], report.Channels.Select(c => c.RelId).ToArray());
        Assert.All(report.Channels, c => Assert.Equal(c.RelId | ConnectionIdBase, c.ConnectionId));
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void DriverChannels_OpenAndClose_OverDistinctGpadls_NetworkAndStorageStayOffered(Topology topology, HvArchitecture architecture, int vps)
    {
        var report = Run(topology, architecture, vps).Report;
        foreach (var idle in report.Channels.Where(c => c.RelId is 1 or 2))
        {
            Assert.False(idle.Opened);
            Assert.False(idle.Closed);
            Assert.Equal(0u, idle.Gpadl);
            Assert.Equal(0, idle.RingPages);
            Assert.Equal((0L, 0L, 0L, 0L, 0L), (idle.PacketsSent, idle.PacketsReceived, idle.SignalsSent, idle.InterruptsReceived, idle.HostSignals));
        }
        var opened = report.Channels.Where(c => c.RelId >= HeartbeatRelId).ToList();
        Assert.All(opened, c => Assert.True(c.Opened && c.Closed, $"channel {c.RelId}"));
        // Linux's global counter from 0xE1E10, one handle per GPADL; the order depends on which VP opens first.
        Assert.Equal([FirstGpadl, FirstGpadl + 1, FirstGpadl + 2], opened.Select(c => c.Gpadl).Order().ToArray());
        // hv_utils: two 16 KiB rings (4 pages each); echo: two 16-page rings.
        Assert.Equal([8, 8, 32], opened.Select(c => c.RingPages).ToArray());
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void Devices_DoTheirWork(Topology topology, HvArchitecture architecture, int vps)
    {
        var run = Run(topology, architecture, vps);
        var report = run.Report;
        var channels = run.Client.Channels;

        // Heartbeat: NEGOTIATE, then 3 rounds one at a time, each answered in place with seq_num + 1.
        Assert.Equal(3, report.Heartbeats);
        var heartbeat = channels.Single(c => c.Offer.ChildRelId == HeartbeatRelId);
        Assert.Equal(3, heartbeat.HeartbeatsAnswered);
        Assert.Equal(("3.0", "3.0"), (heartbeat.NegotiatedVersions!.Value.Framework.ToString(), heartbeat.NegotiatedVersions.Value.Service.ToString()));
        Assert.Equal((4L, 4L), (Channel(report, HeartbeatRelId).PacketsReceived, Channel(report, HeartbeatRelId).PacketsSent));
        Assert.Equal(3, Assert.IsType<HostIcDevice>(HostChannelOf(run.Host, HeartbeatRelId).Device).CompletedRounds);

        // Shutdown: against the host's [1.0, 3.0, 3.1, 3.2] Linux picks framework 3.0, shutdown 3.2 (§6).
        Assert.Equal("3.2", report.ShutdownVersion);
        var shutdown = channels.Single(c => c.Offer.ChildRelId == ShutdownRelId);
        Assert.Equal(("3.0", "3.2"), (shutdown.NegotiatedVersions!.Value.Framework.ToString(), shutdown.NegotiatedVersions.Value.Service.ToString()));
        Assert.Null(shutdown.ShutdownRequested);
        Assert.Equal((1L, 1L), (Channel(report, ShutdownRelId).PacketsReceived, Channel(report, ShutdownRelId).PacketsSent));

        // Echo: every packet back, verified in order, seen by the host once each way.
        var echo = Channel(report, EchoRelId);
        Assert.Equal((1000L, 1000L, 1000L), (echo.PacketsSent, echo.PacketsReceived, report.EchoesVerified));
        var hostEcho = HostChannelOf(run.Host, EchoRelId);
        Assert.Equal((1000L, 1000L), (hostEcho.PacketsReceived, hostEcho.PacketsSent));
        Assert.All(run.Host.ChannelsOpened, c => Assert.False(c.Broken));
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void EverySignal_IsFast_OnItsChannelsConnection_AndHostSignalsReachTheChannelsVp(Topology topology, HvArchitecture architecture, int vps)
    {
        var run = Run(topology, architecture, vps);
        var signals = run.Machine.Trace.Entries.Where(e => Is(e, SignalEventCode)).ToList();
        Assert.All(signals, e =>
        {
            Assert.True(e.Control.IsFast, "vmbus_set_event uses the fast form");
            Assert.Equal(HvStatus.Success, e.Result.Status);
        });
        Assert.Equal(run.Report.SignalsSent, signals.Count);
        foreach (var channel in run.Report.Channels.Where(c => c.Opened))
        {
            // The host's event port of a channel is reachable only through connection relid | 0x2000, and takes
            // flag 0 only: equal counts mean each guest signal named the offer's connection id with flag 0.
            var host = HostChannelOf(run.Host, channel.RelId);
            Assert.Equal(channel.SignalsSent, host.SignalsReceived);
            Assert.True(channel.SignalsSent > 0);
            Assert.Equal(channel.TargetVp, host.TargetVp);
            // Host → guest: event flag relid on the target VP; a flag still set when signalled again is one interrupt.
            Assert.InRange(channel.InterruptsReceived, 1, channel.HostSignals);
        }
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void AtTheEnd_TheGuestUnloaded_AndTheHostHoldsNothing(Topology topology, HvArchitecture architecture, int vps)
    {
        // When UNLOAD reaches the host, the guest's own CLOSECHANNEL/GPADL_TEARDOWNs have already emptied it
        // (UNLOAD itself resets the host, so the state after it proves less).
        (int Gpadls, int Open)? atUnload = null;
        var run = RunHosted(Options(topology, architecture, vps, seed: (ulong)(17 + vps)), prepare: (m, host) =>
            ControlWiretap.Install(m).BeforeForward = message =>
            {
                if (ControlWiretap.Type(message) == 16)
                    atUnload = (host.GpadlCount, host.OpenChannels.Count);
            });
        Assert.True(run.Report.Succeeded, Describe(run.Report));
        Assert.Equal((0, 0), atUnload);
        Assert.True(run.Report.Unloaded);
        Assert.True(run.Client.Finished);
        Assert.Equal(1, run.Host.Unloads);
        Assert.Null(run.Host.NegotiatedVersion);
        Assert.Equal(0, run.Host.GpadlCount);
        Assert.Empty(run.Host.OpenChannels);
        Assert.Empty(run.Host.Errors);
        Assert.Equal([HeartbeatRelId, ShutdownRelId, EchoRelId], run.Host.ChannelsOpened.Select(c => c.Offer.ChildRelId).Order().ToArray());
        Assert.Equal(run.Report.Channels.Where(c => c.Opened).Select(c => (c.RelId, c.Gpadl)).ToArray(),
            run.Host.ChannelsOpened.OrderBy(c => c.Offer.ChildRelId).Select(c => (c.Offer.ChildRelId, c.Gpadl)).ToArray());
        Assert.Equal(0, run.Report.Failures);
    }
}
