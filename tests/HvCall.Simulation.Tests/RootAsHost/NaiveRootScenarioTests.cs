using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.VmBus;
using Xunit;
using static HvCall.Simulation.Tests.RootAsHost.RootAsHostHarness;

namespace HvCall.Simulation.Tests.RootAsHost;

/// <summary>
/// naive-root: the root reaches its guests with plain PostMessage/SignalEvent over connections it made on L1. Its
/// routing table sends both codes nested (hyperv-abi.md §9), so L0, which has no such connection, answers
/// INVALID_CONNECTION_ID; each of the two call sites then uses the explicit per-call target and L1 delivers.
/// </summary>
public sealed class NaiveRootScenarioTests
{
    [Fact]
    public void OnePostAndOneSignal_GoNestedToL0_AndFailWithInvalidConnectionId()
    {
        var report = VmBusBringUp.Run(Nested(1), scenario: Scenario.NaiveRoot);

        Assert.Equal(Scenario.NaiveRoot, report.Scenario);
        var failed = report.Hypercalls.Where(e => Status(e) != 0).ToList();
        Assert.Equal(2, failed.Count);
        Assert.Equal([PostMessage, SignalEvent], failed.Select(e => e.Control.Code.Value).ToArray());
        Assert.All(failed, e =>
        {
            Assert.Equal(Root, e.Partition);
            Assert.True(Nested(e));
            Assert.Equal(L0, e.HandledBy);
            Assert.Equal(InvalidConnectionId, Status(e));
        });
        Assert.Equal(2, report.Failures);
    }

    [Fact]
    public void EachFailure_IsFollowedByTheSameCode_WithoutTheBit_DeliveredByL1()
    {
        var report = VmBusBringUp.Run(Nested(1), scenario: Scenario.NaiveRoot);

        var root = OfRoot(report.Hypercalls).ToList();
        foreach (var code in new[] { PostMessage, SignalEvent })
        {
            var index = root.FindIndex(e => Is(e, code) && Status(e) == InvalidConnectionId);
            Assert.True(index >= 0, $"no failed 0x{code:X}");
            var retry = root[index + 1];
            Assert.True(Is(retry, code), $"after the failed 0x{code:X} came 0x{retry.Control.Code.Value:X}");
            Assert.False(Nested(retry));
            Assert.Equal(L1, retry.HandledBy);
            Assert.Equal(0, Status(retry));
            Assert.Equal(root[index].Vp, retry.Vp);
            Assert.Equal(root[index].Control.IsFast, retry.Control.IsFast);
        }
        // From then on every call to the guest is issued to L1 and succeeds: one PostMessage per host → guest control
        // message (the port queues; nothing is refused as busy), and no Direct call at all.
        var toGuest = root.Where(e => (Is(e, PostMessage) || Is(e, SignalEvent)) && !Nested(e)).ToList();
        Assert.All(toGuest, e => Assert.Equal((L1, (ushort)0), (e.HandledBy, Status(e))));
        Assert.Equal(HostToGuestMessagesPerChild, toGuest.Count(e => Is(e, PostMessage)));
        Assert.All(toGuest.Where(e => Is(e, SignalEvent)), e => Assert.True(e.Control.IsFast));
        Assert.DoesNotContain(root, e => Is(e, PostMessageDirect) || Is(e, SignalEventDirect));
        // The root's own client of L0 is untouched: its 17 posts nested, to L0, all successful.
        Assert.Equal(RootClientPosts, root.Count(e => Is(e, PostMessage) && Nested(e) && Status(e) == 0));
        Assert.All(root.Where(Nested), e => Assert.Equal(L0, e.HandledBy));
    }

    [Theory]
    [InlineData(1, 1, 1UL)]
    [InlineData(2, 2, 4UL)]
    [InlineData(3, 1, 9UL)]
    public void ChildrenConnect_AndTheRun_Succeeds(int guests, int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(Nested(guests, vps, seed), scenario: Scenario.NaiveRoot);

        Assert.True(report.Succeeded, Describe(report));
        Assert.True(report.VmBusConnected);
        Assert.Equal(guests, report.Children.Count);
        Assert.All(report.Children, child =>
        {
            Assert.True(child.VmBusConnected, child.Partition);
            Assert.Equal(Version52, child.VmBusVersion);
            Assert.Equal(3, child.Heartbeats);
            Assert.Equal(1000, child.EchoesVerified);
            Assert.True(child.Unloaded, child.Partition);
        });
    }

    [Fact]
    public void Transport_ListsTheTwoNaiveFailures()
    {
        var run = RunByHand(Nested(1), RootCallSites.NaivePorts);
        Assert.True(run.Completed);

        var transport = Assert.Single(run.Hosting.Transports);
        Assert.Equal(RootCallSites.NaivePorts, transport.CallSites);
        Assert.Equal(
            [(new HvCallCode(PostMessage), (HvStatus)InvalidConnectionId), (new HvCallCode(SignalEvent), (HvStatus)InvalidConnectionId)],
            transport.NaiveFailures.ToArray());
        Assert.Empty(transport.Errors);
        Assert.Empty(run.Hosting.Servers[0].Errors);
        Assert.True(run.Children[0].Unloaded);
    }

    [Fact]
    public void DirectCallSites_HaveNoNaiveFailures()
    {
        var run = RunByHand(Nested(2));

        Assert.All(run.Hosting.Transports, t =>
        {
            Assert.Equal(RootCallSites.Direct, t.CallSites);
            Assert.Empty(t.NaiveFailures);
        });
    }

    [Fact]
    public void WithSeveralGuests_EachGuestsTransport_FailsOncePerCallSite()
    {
        // The switch to the explicit target is state of each guest's transport: one failure per call site per guest.
        var run = RunByHand(Nested(3), RootCallSites.NaivePorts);
        Assert.True(run.Completed);

        Assert.All(run.Hosting.Transports, t => Assert.Equal(
            [(new HvCallCode(PostMessage), (HvStatus)InvalidConnectionId), (new HvCallCode(SignalEvent), (HvStatus)InvalidConnectionId)],
            t.NaiveFailures.ToArray()));
        var nestedFailures = run.Trace.Where(e => Status(e) == InvalidConnectionId).ToList();
        Assert.All(nestedFailures, e => Assert.Equal((Root, L0, true), (e.Partition, e.HandledBy, Nested(e))));
        Assert.Equal(3, nestedFailures.Count(e => Is(e, PostMessage)));
        Assert.Equal(3, nestedFailures.Count(e => Is(e, SignalEvent)));
        Assert.All(run.Children, c => Assert.True(c.Unloaded));
    }
}
