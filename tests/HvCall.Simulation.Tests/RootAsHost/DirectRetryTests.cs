using System.Linq;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.VmBus;
using Xunit;
using static HvCall.Simulation.Tests.RootAsHost.RootAsHostHarness;

namespace HvCall.Simulation.Tests.RootAsHost;

/// <summary>
/// The default scenario fails no call but HvCallPostMessageDirect into a guest's busy SINT 2 slot: OBJECT_IN_USE
/// (vmbus-datapath.md §7, OpenVMM's SynIC "when the slot is full"), which the root retries until the same message is
/// delivered, as OpenVMM on mshv keeps the message queued.
/// </summary>
public sealed class DirectRetryTests
{
    public static TheoryData<int, int, ulong> Shapes() => new()
    {
        { 1, 1, 1UL },
        { 1, 4, 2UL },
        { 2, 1, 3UL },
        { 2, 3, 11UL },
        { 4, 2, 0xABCDUL },
        { 4, 4, 77UL },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OnlyFailures_AreObjectInUse_FromPostMessageDirect(int guests, int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(Nested(guests, vps, seed));
        Assert.True(report.Succeeded, Describe(report));

        var failed = report.Hypercalls.Where(e => Status(e) != 0).ToList();
        Assert.All(failed, e =>
        {
            Assert.Equal(Root, e.Partition);
            Assert.Equal(PostMessageDirect, e.Control.Code.Value);
            Assert.Equal(ObjectInUse, Status(e));
            Assert.Equal(L1, e.HandledBy);
            Assert.False(Nested(e));
        });
        Assert.Equal(failed.Count, report.Failures);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryHostToGuestMessage_IsDeliveredExactlyOnce(int guests, int vps, ulong seed)
    {
        var run = RunByHand(Nested(guests, vps, seed));
        Assert.True(run.Completed);

        // Successful Direct posts: exactly the 12 control messages of each guest — no message lost after a busy slot,
        // none posted twice.
        var direct = run.Trace.Where(e => Is(e, PostMessageDirect)).ToList();
        Assert.Equal(guests * HostToGuestMessagesPerChild, direct.Count(e => Status(e) == 0));
        // The run does not end on a refused post: the last Direct post is a success.
        Assert.Equal(0, Status(direct[^1]));
        // No server gave up on a message (a non-transient status would be an error), and every guest saw the last
        // reply of its run, UNLOAD_RESPONSE.
        Assert.All(run.Hosting.Servers, s => Assert.Empty(s.Errors));
        Assert.All(run.Children, c => Assert.True(c.Unloaded));
        Assert.All(run.Children, c => Assert.Empty(c.Errors));
    }

    [Fact]
    public void TheDefaultRun_DoesMeetABusySlot()
    {
        // The retry path is exercised: the default machine (one guest, one VP, seed 1) sees OBJECT_IN_USE at least once.
        var report = VmBusBringUp.Run(Nested(1));

        Assert.Contains(report.Hypercalls, e => Is(e, PostMessageDirect) && Status(e) == ObjectInUse);
        Assert.True(report.Succeeded, Describe(report));
    }

    [Theory]
    [InlineData(1, 1UL, 10, 50, 8)]
    [InlineData(3, 5UL, 1, 2000, 1)]
    [InlineData(2, 9UL, 0, 1, 2000)]
    public void AnyWorkload_SameTwelveMessagesPerGuest_DeliveredOnce(int guests, ulong seed, int heartbeats, int packets, int packetSize)
    {
        // Heartbeats and echoes travel in the rings: the control messages, and so the successful Direct posts, do not change.
        var workload = new ChannelWorkload { HeartbeatRounds = heartbeats, EchoPackets = packets, EchoPacketSize = packetSize };
        var run = RunByHand(Nested(guests, vps: 2, seed: seed), workload: workload);
        Assert.True(run.Completed);

        Assert.Equal(guests * HostToGuestMessagesPerChild, run.Trace.Count(e => Is(e, PostMessageDirect) && Status(e) == 0));
        Assert.All(run.Trace.Where(e => Status(e) != 0), e => Assert.Equal((PostMessageDirect, ObjectInUse), (e.Control.Code.Value, Status(e))));
        Assert.All(run.Children, c => Assert.True(c.Unloaded));
        Assert.All(run.Hosting.Servers, s => Assert.Empty(s.Errors));
    }

    [Theory]
    [InlineData(1, 1UL)]
    [InlineData(3, 4UL)]
    public void WithTheRootsTableOff_DirectRetries_StillDeliverExactlyOnce(int guests, ulong seed)
    {
        // routing-none changes nothing on the Direct path: those codes were never in the table.
        var run = RunByHand(Nested(guests, vps: 2, seed: seed, routing: RoutingMode.None));
        Assert.True(run.Completed);

        Assert.Equal(guests * HostToGuestMessagesPerChild, run.Trace.Count(e => Is(e, PostMessageDirect) && Status(e) == 0));
        Assert.All(run.Trace.Where(e => Is(e, PostMessageDirect)), e => Assert.Equal((L1, false), (e.HandledBy, Nested(e))));
        Assert.All(run.Children, c => Assert.True(c.Unloaded));
    }

    [Fact]
    public void NaiveCallSites_NeverMeetABusySlot_ThePortQueues()
    {
        // Plain PostMessage goes through the guest's port, which holds 16 message buffers (hyperv-abi.md §8): the root
        // never sees OBJECT_IN_USE or INSUFFICIENT_BUFFERS (0x13) there.
        var report = VmBusBringUp.Run(Nested(3, vps: 2, seed: 6), scenario: Scenario.NaiveRoot);

        Assert.True(report.Succeeded, Describe(report));
        Assert.DoesNotContain(report.Hypercalls, e => Status(e) is ObjectInUse or 0x13);
        Assert.DoesNotContain(report.Hypercalls, e => Is(e, PostMessageDirect));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DirectSignals_OnePerHostSignal_AllSuccessful(int guests, int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(Nested(guests, vps, seed));

        var signals = OfRoot(report.Hypercalls).Where(e => Is(e, SignalEventDirect)).ToList();
        Assert.All(signals, e => Assert.Equal((L1, (ushort)0, false), (e.HandledBy, Status(e), e.Control.IsFast)));
        // SignalEventDirect has no fast form in mshv's use (vmbus-datapath.md §7: "slow form, no nested bit").
        Assert.Equal(report.Children.Sum(c => c.Channels.Sum(ch => ch.HostSignals)), signals.Count);
    }
}
