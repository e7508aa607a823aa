using System.Linq;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.VmBus;
using Xunit;
using static HvCall.Simulation.Tests.RootAsHost.RootAsHostHarness;

namespace HvCall.Simulation.Tests.RootAsHost;

/// <summary>
/// The nested root serves 1–4 L2 guests of 1–4 VPs each: every guest connects at 5.2, opens the two channels the
/// root offers, runs the heartbeat rounds and the echo burst, closes and unloads, while the root's own VMBus client
/// of L0 does the same on its side.
/// </summary>
public sealed class ChildrenEndToEndTests
{
    public static TheoryData<int, int, ulong> Shapes()
    {
        var data = new TheoryData<int, int, ulong>();
        for (var guests = 1; guests <= 4; guests++)
        {
            for (var vps = 1; vps <= 4; vps++)
                data.Add(guests, vps, (ulong)(100 + 10 * guests + vps));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryChild_Connects_OpensHeartbeatAndEcho_AndUnloads(int guests, int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(new MachineOptions { Topology = Topology.Nested, VpCount = vps, L2Guests = guests, Seed = seed }, new ChannelWorkload());

        Assert.True(report.Succeeded, Describe(report));
        Assert.Empty(report.Errors);
        Assert.Equal(Scenario.Default, report.Scenario);
        Assert.Equal(guests, report.Children.Count);
        for (var i = 0; i < guests; i++)
        {
            var child = report.Children[i];
            Assert.Equal(Child(i), child.Partition);
            Assert.True(child.VmBusConnected, child.Partition);
            Assert.Equal(Version52, child.VmBusVersion);
            Assert.Equal(2, child.Offers);
            Assert.Equal([HeartbeatRelId, EchoRelId], child.Channels.Select(c => c.RelId).ToArray());
            Assert.Equal(["heartbeat", "echo"], child.Channels.Select(c => c.Device).ToArray());
            Assert.Equal([SimulationHarness.HeartbeatGuid, SimulationHarness.EchoGuid], child.Channels.Select(c => c.InterfaceType).ToArray());
            Assert.Equal([HeartbeatConnection, EchoConnection], child.Channels.Select(c => c.ConnectionId).ToArray());
            Assert.All(child.Channels, c => Assert.True(c.Opened && c.Closed, $"{child.Partition} relid {c.RelId}"));
            // Each guest is a Linux of its own: its GPADL handles start at 0xE1E10 (vmbus-datapath.md §2).
            Assert.Equal([SimulationHarness.FirstGpadl, SimulationHarness.FirstGpadl + 1], child.Channels.Select(c => c.Gpadl).Order().ToArray());
            Assert.Equal(3, child.Heartbeats);
            Assert.Equal(1000, child.EchoesVerified);
            Assert.True(child.Unloaded, child.Partition);
            var echo = child.Channels.Single(c => c.Device == "echo");
            Assert.Equal(1000, echo.PacketsSent);
            Assert.Equal(1000, echo.PacketsReceived);
            Assert.InRange(echo.TargetVp, 0u, (uint)vps - 1);
        }

        // The root's own VMBus, the top level of the report: its client of L0, five offers, three channels.
        Assert.True(report.VmBusConnected);
        Assert.Equal(Version52, report.VmBusVersion);
        Assert.Equal(5, report.Offers.Count);
        Assert.Equal(3, report.Heartbeats);
        Assert.Equal("3.2", report.ShutdownVersion);
        Assert.Equal(1000, report.EchoesVerified);
        Assert.True(report.Unloaded);
        Assert.True(report.Completed);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 4)]
    public void Trace_NamesTheRootAndEveryChild_AndNoOtherPartition(int guests, int vps)
    {
        var report = VmBusBringUp.Run(Nested(guests, vps, seed: 5));

        var expected = new[] { Root }.Concat(Enumerable.Range(0, guests).Select(Child)).Order().ToArray();
        Assert.Equal(expected, report.Hypercalls.Select(e => e.Partition).Distinct().Order().ToArray());
        // Each guest posts its 13 control messages itself, handled by L1.
        for (var i = 0; i < guests; i++)
        {
            var name = Child(i);
            Assert.Equal(GuestToHostMessagesPerChild, report.Hypercalls.Count(e => e.Partition == name && Is(e, PostMessage)));
        }
    }

    [Fact]
    public void Children_GetTheirGuestCode_WithAnAllZeroRoutingTable()
    {
        var machine = Machine.Build(Nested(3, vps: 2));

        Assert.True(machine.Routing.NestedRoot);
        Assert.True(machine.GuestVps[0].Hypercalls.Routing.IsEnabled);
        Assert.Equal(3, machine.L2Guests.Count);
        for (var i = 0; i < 3; i++)
        {
            var guest = machine.L2Guests[i];
            Assert.Equal(Child(i), guest.Name);
            Assert.False(guest.Routing.NestedRoot, guest.Name);
            Assert.Equal(2, guest.Vps.Count);
            // The 64-byte table of every VP is all zero: no code is ever sent nested (design: zero when not nested).
            Assert.All(guest.Vps, vp =>
            {
                Assert.False(vp.Hypercalls.Routing.IsEnabled);
                Assert.Equal(new byte[64], vp.Hypercalls.Routing.Bytes.ToArray());
            });
            // Hosted by L1, next to the root, not by L0.
            Assert.Same(machine.L1, guest.Partition.Hypervisor);
            Assert.False(guest.Partition.IsRoot);
        }
        Assert.Equal([Root, Child(0), Child(1), Child(2)], machine.L1!.Partitions.Select(p => p.Name).ToArray());
    }
}
