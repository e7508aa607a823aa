using System.Linq;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using Xunit;
using static HvCall.Simulation.Tests.RootAsHost.RootAsHostHarness;

namespace HvCall.Simulation.Tests.RootAsHost;

/// <summary>
/// routing-none: the root's routing table switched off. Its VMBus client's INITIATE_CONTACTs go to L1, where the root
/// has no connection 4 or 1, and fail with INVALID_CONNECTION_ID (what a nested root without the design sees,
/// hyperv-abi.md §9: "or VMBus will fail"); its guests' VMBus, served with the Direct calls, still works.
/// </summary>
public sealed class RoutingNoneScenarioTests
{
    // vmbus.md §1 (INITIATE_CONTACT = 14), §3 (5.3, 5.2, 5.1, 5.0 to connection 4; 4.1, 4.0, 3.0, 2.4 to connection 1);
    // hyperv-abi.md §3 (0x12).
    private const string ToConnection4 = "vp0: posting VMBus message type 14 to connection 4 failed: HV_STATUS_INVALID_CONNECTION_ID";
    private const string ToConnection1 = "vp0: posting VMBus message type 14 to connection 1 failed: HV_STATUS_INVALID_CONNECTION_ID";

    [Fact]
    public void RootVmBus_FailsAtL1_OneInitiateContactPerLinuxVersion()
    {
        var report = VmBusBringUp.Run(Nested(1), scenario: Scenario.RoutingNone);

        Assert.Equal(Scenario.RoutingNone, report.Scenario);
        Assert.Equal(RoutingMode.None, report.Routing);
        Assert.False(report.NestedRouting);
        Assert.False(report.VmBusConnected);
        Assert.Equal(0u, report.VmBusVersion);
        Assert.Empty(report.Offers);
        Assert.False(report.Unloaded);
        Assert.False(report.Succeeded);

        var root = OfRoot(report.Hypercalls).ToList();
        var posts = root.Where(e => Is(e, PostMessage)).ToList();
        Assert.Equal(8, posts.Count);
        Assert.All(posts, e =>
        {
            Assert.False(Nested(e));
            Assert.Equal(L1, e.HandledBy);
            Assert.Equal(InvalidConnectionId, Status(e));
            Assert.Equal(0u, e.Vp);
        });
        // The eight come back to back, one negotiation: no other call of the root between them.
        var first = root.IndexOf(posts[0]);
        Assert.Equal(posts, root.Skip(first).Take(8).ToList());
        // Which connection each went to, in Linux's order (the trace does not carry the version; the error lines do).
        Assert.Equal([ToConnection4, ToConnection4, ToConnection4, ToConnection4, ToConnection1, ToConnection1, ToConnection1, ToConnection1],
            report.Errors.ToArray());
        Assert.DoesNotContain(root, e => Is(e, SignalEvent));
    }

    [Theory]
    [InlineData(1, 1, 1UL)]
    [InlineData(2, 2, 3UL)]
    [InlineData(4, 1, 8UL)]
    public void NoRootCall_CarriesTheNestedBit_AndNothingReachesL0(int guests, int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(Nested(guests, vps, seed), scenario: Scenario.RoutingNone);

        Assert.DoesNotContain(report.Hypercalls, Nested);
        Assert.DoesNotContain(report.Hypercalls, e => e.HandledBy == L0);
        Assert.Equal(8, OfRoot(report.Hypercalls).Count(e => Is(e, PostMessage)));
        // The only failures besides the eight are Direct posts to a busy slot, retried.
        Assert.All(report.Hypercalls.Where(e => Status(e) != 0 && !Is(e, PostMessage)), e =>
            Assert.Equal((Root, PostMessageDirect, ObjectInUse), (e.Partition, e.Control.Code.Value, Status(e))));
    }

    [Theory]
    [InlineData(1, 1, 1UL)]
    [InlineData(2, 2, 3UL)]
    [InlineData(4, 1, 8UL)]
    public void EveryChild_StillConnects_AndCompletesItsTraffic(int guests, int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(Nested(guests, vps, seed), scenario: Scenario.RoutingNone);

        Assert.Equal(guests, report.Children.Count);
        Assert.All(report.Children, child =>
        {
            Assert.True(child.VmBusConnected, child.Partition);
            Assert.Equal(Version52, child.VmBusVersion);
            Assert.Equal(2, child.Offers);
            Assert.All(child.Channels, c => Assert.True(c.Opened && c.Closed));
            Assert.Equal(3, child.Heartbeats);
            Assert.Equal(1000, child.EchoesVerified);
            Assert.True(child.Unloaded, child.Partition);
        });
        // The only errors are the root's eight refusals: none from a guest or from the root serving it.
        Assert.Equal(8, report.Errors.Count);
        Assert.All(report.Errors, error => Assert.StartsWith("vp0: posting VMBus message type 14", error, System.StringComparison.Ordinal));
        Assert.True(report.Completed);
    }

    [Fact]
    public void L0Host_NeverReceivesAMessage()
    {
        var run = RunByHand(Nested(2, routing: RoutingMode.None));

        Assert.True(run.Completed);
        Assert.Equal(0, run.L0Host.MessagesReceived);
        Assert.False(run.RootClient.Connected);
        Assert.All(run.Hosting.Servers, s => Assert.Equal(GuestToHostMessagesPerChild, s.MessagesReceived));
    }

    [Fact]
    public void RoutingNoneOption_UnderTheDefaultScenario_IsReportedAsRoutingNone()
    {
        var report = VmBusBringUp.Run(Nested(1, routing: RoutingMode.None));

        Assert.Equal(Scenario.RoutingNone, report.Scenario);
        Assert.False(report.VmBusConnected);
        Assert.True(report.Children.Single().Unloaded);
    }
}
