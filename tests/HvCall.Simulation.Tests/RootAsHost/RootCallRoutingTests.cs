using System.Linq;
using HvCall.Simulation.Scenarios;
using Xunit;
using static HvCall.Simulation.Tests.RootAsHost.RootAsHostHarness;

namespace HvCall.Simulation.Tests.RootAsHost;

/// <summary>
/// The routing design's "always nested or never" assumption, call by call, on a nested root that is also a VMBus
/// host: its VMBus client's PostMessage/SignalEvent go nested to L0 (hyperv-abi.md §9), its port management and its
/// Direct calls to its guests go to L1 without the bit (vmbus-datapath.md §7, "Why no nested bit"), and its guests,
/// whose table is all zero, never reach L0.
/// </summary>
public sealed class RootCallRoutingTests
{
    [Theory]
    [InlineData(1, 1, 1UL)]
    [InlineData(2, 2, 7UL)]
    [InlineData(4, 3, 0xC0FFEEUL)]
    public void RootVmBusClientCalls_CarryTheNestedBit_AndAreHandledByL0(int guests, int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(Nested(guests, vps, seed));
        Assert.True(report.Succeeded, Describe(report));

        var clientCalls = OfRoot(report.Hypercalls).Where(e => Is(e, PostMessage) || Is(e, SignalEvent)).ToList();
        Assert.NotEmpty(clientCalls);
        Assert.All(clientCalls, e =>
        {
            Assert.True(Nested(e), $"0x{e.Control.Value:X} at {e.Time}");
            Assert.Equal(L0, e.HandledBy);
            Assert.Equal(0, Status(e));
        });
        // The flat guest's 17 posts: the root's client is the same client whatever it hosts.
        Assert.Equal(RootClientPosts, clientCalls.Count(e => Is(e, PostMessage)));
    }

    [Theory]
    [InlineData(1, 1, 1UL)]
    [InlineData(2, 2, 7UL)]
    [InlineData(4, 3, 0xC0FFEEUL)]
    public void RootManagementAndDirectCalls_CarryNoNestedBit_AndAreHandledByL1(int guests, int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(Nested(guests, vps, seed));
        Assert.True(report.Succeeded, Describe(report));

        var rootCalls = OfRoot(report.Hypercalls).ToList();
        var l1Calls = rootCalls.Where(e => RootL1Codes.Any(code => Is(e, code))).ToList();
        Assert.All(l1Calls, e =>
        {
            Assert.False(Nested(e), $"0x{e.Control.Value:X} at {e.Time}");
            Assert.Equal(L1, e.HandledBy);
        });
        // Every one of the six codes is used, and the root issues nothing else but its client's two codes.
        foreach (var code in RootL1Codes)
            Assert.Contains(l1Calls, e => Is(e, code));
        Assert.Equal(rootCalls.Count, l1Calls.Count + rootCalls.Count(e => Is(e, PostMessage) || Is(e, SignalEvent)));
        // Per guest: one message port and two event ports created; connection ids 4 and 1 plus two event connections;
        // each channel's event connection undone at close.
        Assert.Equal(3 * guests, rootCalls.Count(e => Is(e, CreatePort)));
        Assert.Equal(4 * guests, rootCalls.Count(e => Is(e, ConnectPort)));
        Assert.Equal(2 * guests, rootCalls.Count(e => Is(e, DisconnectPort)));
        Assert.Equal(2 * guests, rootCalls.Count(e => Is(e, DeletePort)));
        Assert.All(rootCalls.Where(e => !Is(e, PostMessageDirect)), e => Assert.Equal(0, Status(e)));
    }

    [Theory]
    [InlineData(Scenario.Default)]
    [InlineData(Scenario.NaiveRoot)]
    [InlineData(Scenario.RoutingNone)]
    public void InEveryScenario_PortAndDirectCalls_StayWithL1_AndGuestsNeverReachL0(Scenario scenario)
    {
        var report = VmBusBringUp.Run(Nested(2, vps: 2, seed: 12), scenario: scenario);

        Assert.All(OfRoot(report.Hypercalls).Where(e => RootL1Codes.Any(code => Is(e, code))), e =>
            Assert.Equal((L1, false), (e.HandledBy, Nested(e))));
        Assert.All(OfChildren(report.Hypercalls), e => Assert.Equal((L1, false, (ushort)0), (e.HandledBy, Nested(e), Status(e))));
        Assert.All(report.Children, c => Assert.True(c.Unloaded, c.Partition));
    }

    [Theory]
    [InlineData(1, 1, 1UL)]
    [InlineData(3, 2, 7UL)]
    [InlineData(4, 4, 99UL)]
    public void NothingAnL2GuestIssues_IsNestedOrReachesL0(int guests, int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(Nested(guests, vps, seed));
        Assert.True(report.Succeeded, Describe(report));

        var childCalls = OfChildren(report.Hypercalls).ToList();
        Assert.Equal(guests * GuestToHostMessagesPerChild, childCalls.Count(e => Is(e, PostMessage)));
        Assert.All(childCalls, e =>
        {
            Assert.False(Nested(e), $"{e.Partition} 0x{e.Control.Value:X}");
            Assert.Equal(L1, e.HandledBy);
            Assert.Equal(0, Status(e));
            Assert.True(Is(e, PostMessage) || Is(e, SignalEvent), $"{e.Partition} issued 0x{e.Control.Code.Value:X}");
        });
        // Their SignalEvents are the fast form (hyperv-abi.md §8: 8 bytes, fast-capable), their PostMessages memory calls.
        Assert.All(childCalls.Where(e => Is(e, SignalEvent)), e => Assert.True(e.Control.IsFast));
        Assert.All(childCalls.Where(e => Is(e, PostMessage)), e => Assert.False(e.Control.IsFast));
        Assert.Contains(childCalls, e => Is(e, SignalEvent));
        // Nothing handled by L0 comes from anyone but the root.
        Assert.All(report.Hypercalls.Where(e => e.HandledBy == L0), e => Assert.Equal(Root, e.Partition));
    }

    [Theory]
    [InlineData(1, 1, 1UL)]
    [InlineData(3, 2, 17UL)]
    public void L0Host_SeesOnlyTheRootClientsMessages_AndEachRootServerOnlyItsGuests(int guests, int vps, ulong seed)
    {
        var run = RunByHand(Nested(guests, vps, seed));
        Assert.True(run.Completed);
        Assert.Empty(run.L0Host.Errors);

        // L0's host partition receives exactly what the root's client sent, nested and successful: 17 messages.
        var rootSent = OfRoot(run.Trace).Count(e => Is(e, PostMessage) && Nested(e) && e.HandledBy == L0 && Status(e) == 0);
        Assert.Equal(RootClientPosts, rootSent);
        Assert.Equal(RootClientPosts, run.L0Host.MessagesReceived);
        Assert.True(run.RootClient.Unloaded);

        // The root's server for guest i receives that guest's 13 messages and no one else's.
        Assert.Equal(guests, run.Hosting.Servers.Count);
        for (var i = 0; i < guests; i++)
        {
            var name = Child(i);
            Assert.Equal(GuestToHostMessagesPerChild, run.Trace.Count(e => e.Partition == name && Is(e, PostMessage)));
            Assert.Equal(GuestToHostMessagesPerChild, run.Hosting.Servers[i].MessagesReceived);
            Assert.Empty(run.Hosting.Servers[i].Errors);
            Assert.Empty(run.Hosting.Transports[i].Errors);
            Assert.Equal(1, run.Hosting.Servers[i].Unloads);
            Assert.True(run.Children[i].Unloaded, name);
        }
        Assert.Empty(run.Hosting.Errors);
        Assert.True(run.Hosting.Ready);
    }

    [Fact]
    public void GuestSignals_AreFast_HandledByL1_AndCountedByTheRootsServers()
    {
        var run = RunByHand(Nested(2, vps: 2, seed: 3));
        Assert.True(run.Completed);

        for (var i = 0; i < 2; i++)
        {
            var name = Child(i);
            var signals = run.Trace.Where(e => e.Partition == name && Is(e, SignalEvent)).ToList();
            Assert.All(signals, e =>
            {
                Assert.True(e.Control.IsFast);
                Assert.False(Nested(e));
                Assert.Equal(L1, e.HandledBy);
                Assert.Equal(0, Status(e));
            });
            // Every signal went through the root's L1 SynIC event flags to its server's channel (none lost, none extra).
            var received = run.Hosting.Servers[i].ChannelsOpened.Sum(c => c.SignalsReceived);
            Assert.Equal(signals.Count, received);
        }
    }
}
