using System;
using System.Buffers.Binary;
using System.Linq;
using HvCall.Simulation.Faults;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using HvCall.VmBus.Rings;
using Xunit;
using static HvCall.Simulation.Tests.Faults.FaultHarness;

namespace HvCall.Simulation.Tests.Faults;

/// <summary>
/// The host rescinds a channel in the middle of its traffic (RESCIND_CHANNELOFFER, 12 bytes, relid @8). As Linux does
/// (vmbus-datapath.md §1, <c>vmbus_onoffer_rescind</c> → driver remove → <c>vmbus_close</c>): the guest stops using the
/// channel, still posts CLOSECHANNEL, skips GPADL_TEARDOWN, and posts RELID_RELEASED (13, relid @8); the host keeps the
/// ring GPADL until then and frees it with the relid (OpenVMM: accepted GPADLs "stay until the guest releases the relid").
/// Packets in flight are whole in a ring or were never written: a rescind never leaves half a packet.
/// </summary>
public sealed class RescindTests
{
    private const uint Echo = 5, Heartbeat = 3, Shutdown = 4;
    private static readonly ChannelWorkload Burst = new() { HeartbeatRounds = 2, EchoPackets = 600, EchoPacketSize = 256, EchoRingPages = 8 };

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void EchoRescindedMidBurst_ClosedWithoutTeardown_RelidReleased_NoPacketHalfDelivered(ulong seed)
    {
        var plan = new FaultPlan { Seed = seed, Rescind = new RescindFault(SimulationHarness.EchoGuid, 150) };
        var run = RunClean(Spec(plan, vps: 2, workload: Burst, seed: seed), out _);
        var link = run.Connections[0];
        var log = link.Client.ControlLog;
        var echo = link.Client.Channels.Single(c => c.Offer.ChildRelId == Echo);

        // RESCIND_CHANNELOFFER for relid 5, then from the guest CLOSECHANNEL(5) and RELID_RELEASED(5), in that order.
        var rescind = IndexOf(log, fromHost: true, RescindChannelOffer, Echo);
        Assert.True(rescind >= 0, "no RESCIND_CHANNELOFFER for the echo channel");
        Assert.Equal(12, log[rescind].Message.Length);
        var close = IndexOf(log, fromHost: false, CloseChannel, Echo);
        var released = IndexOf(log, fromHost: false, RelIdReleased, Echo);
        Assert.True(rescind < close && close < released, $"{rescind}, {close}, {released}");
        Assert.Equal(12, log[released].Message.Length);
        // No GPADL_TEARDOWN of the echo ring GPADL; the IC channels tore theirs down as usual.
        Assert.DoesNotContain(FromGuest(link.Client), m => Type(m) == GpadlTeardown && Field8(m) == Echo);
        foreach (var relId in new[] { Heartbeat, Shutdown })
            Assert.True(IndexOf(log, fromHost: false, GpadlTeardown, relId) >= 0);

        // The host: channel rescinded, closed, released; GPADL and event port 0x2005 gone.
        var host = link.Server;
        var hosted = SimulationHarness.HostChannelOf(host, Echo);
        Assert.True(hosted.Rescinded);
        Assert.Equal(HostChannelState.Released, hosted.State);
        Assert.Equal(0, host.GpadlCount);
        Assert.False(run.Machine.L0.TryGetPort(run.Machine.Host, 0x2005, out _));
        Assert.False(run.Machine.L0.IsConnected(run.Machine.VmBusPartition, 0x2005));

        // Traffic stopped part way; every echo read came back once and intact.
        Assert.True(echo.PacketsSent < Burst.EchoPackets, "the guest sent the whole burst: the rescind came too late to test anything");
        Assert.Empty(link.Ledger.Violations);
        Assert.True(echo.Released && !echo.Closed);

        // Where every packet the guest sent is: echoed and read, echoed and whole in the guest's inbound ring, read by the
        // host and held, or whole in the outbound ring. Nothing is half there.
        var memory = run.Machine.VmBusPartition.Memory;
        var (inbound, inboundEnd) = RingInspector.Pending(memory, link.Client, Echo, Burst.EchoRingPages, downstream: true);
        var (outbound, outboundEnd) = RingInspector.Pending(memory, link.Client, Echo, Burst.EchoRingPages, downstream: false);
        Assert.Equal(RingStatus.Empty, inboundEnd);
        Assert.Equal(RingStatus.Empty, outboundEnd);
        var verified = echo.EchoesVerified;
        Assert.Equal(Enumerable.Range(1, inbound.Count).Select(i => (ulong)(verified + i)), inbound.Select(p => p.Id));
        Assert.All(inbound, p => Assert.True(link.Ledger.WasSent(Echo, p.Id, p.Payload.AsSpan(0, Burst.EchoPacketSize))));
        Assert.Equal(hosted.PacketsSent, verified + inbound.Count);
        Assert.Equal(Enumerable.Range(1, outbound.Count).Select(i => (ulong)(hosted.PacketsReceived + i)), outbound.Select(p => p.Id));
        Assert.All(outbound, p => Assert.True(link.Ledger.WasSent(Echo, p.Id, p.Payload.AsSpan(0, Burst.EchoPacketSize))));
        Assert.Equal(echo.PacketsSent, hosted.PacketsReceived + outbound.Count);
        Assert.InRange(hosted.PacketsReceived - hosted.PacketsSent, 0, 1);
    }

    [Fact]
    public void HeartbeatRescindedAfterNegotiation_TheOtherChannelsRunToTheEnd()
    {
        var plan = new FaultPlan { Rescind = new RescindFault(SimulationHarness.HeartbeatGuid, 1) };
        var run = RunClean(Spec(plan, workload: Burst with { HeartbeatRounds = 5 }), out _);
        var link = run.Connections[0];
        var heartbeat = link.Client.Channels.Single(c => c.Offer.ChildRelId == Heartbeat);
        Assert.True(heartbeat.RescindReceived && heartbeat.Released);
        Assert.True(heartbeat.HeartbeatsAnswered < 5);
        Assert.True(IndexOf(link.Client.ControlLog, fromHost: false, RelIdReleased, Heartbeat) >= 0);
        Assert.Equal(Burst.EchoPackets, link.Client.Channels.Single(c => c.Offer.ChildRelId == Echo).EchoesVerified);
        Assert.Equal(1, link.Faults.Rescinds);
    }

    [Fact]
    public void RootRescindsItsL2GuestsEcho_TheGuestReleasesIt_AndTheRootDeletesItsL1EventPort()
    {
        var plan = new FaultPlan { Rescind = new RescindFault(SimulationHarness.EchoGuid, 100) };
        var run = RunClean(Spec(plan, Topology.Nested, vps: 2, l2Guests: 1, workload: Burst), out _);
        Assert.All(run.Connections, link => Assert.Equal(1, link.Faults.Rescinds));
        var child = run.Connections[1];
        // The root offers heartbeat and echo to its guests: echo is relid 2 (docs/machine-model.md).
        Assert.True(IndexOf(child.Client.ControlLog, fromHost: true, RescindChannelOffer, 2) >= 0);
        Assert.True(IndexOf(child.Client.ControlLog, fromHost: false, RelIdReleased, 2) >= 0);
        // The root's event port for child 0's relid 2 on L1: 0x20000 + 64·0 + 2.
        Assert.False(run.Machine.L1!.TryGetPort(run.Machine.Primary.Partition, 0x2_0002, out _));
    }

    [Fact]
    public void RelIdReleasedForAChannelNeverRescinded_IsRefused()
    {
        // A guest that releases a relid the host never rescinded: the host refuses it (OpenVMM handle_rel_id_released) and
        // records it; the channel is not touched.
        var run = new FaultRun(Spec(FaultPlan.None));
        var server = run.Connections[0].Server;
        // INITIATE_CONTACT (40 bytes): msgtype 14 @0, version 5.2 @8, target VP 0 @12, msg_sint 2 @16 (vmbus.md §2).
        var contact = new byte[40];
        BinaryPrimitives.WriteUInt32LittleEndian(contact, InitiateContact);
        BinaryPrimitives.WriteUInt32LittleEndian(contact.AsSpan(8), 0x0005_0002);
        contact[16] = 2;
        server.Deliver(contact);
        // RELID_RELEASED (12 bytes): msgtype 13 @0, relid @8.
        var release = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(release, RelIdReleased);
        BinaryPrimitives.WriteUInt32LittleEndian(release.AsSpan(8), Echo);
        server.Deliver(release);
        Assert.Contains(server.Errors, e => e.Contains("RELID_RELEASED for channel 5, which was not rescinded", StringComparison.Ordinal));
        Assert.False(server.Rescind(Echo));
    }
}
