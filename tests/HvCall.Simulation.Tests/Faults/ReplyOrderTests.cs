using System.Collections.Generic;
using System.Linq;
using HvCall.Simulation.Faults;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using Xunit;
using static HvCall.Simulation.Tests.Faults.FaultHarness;

namespace HvCall.Simulation.Tests.Faults;

/// <summary>
/// The host holds each reply back a drawn number of its steps and, with reordering, lets the replies of one channel
/// overtake those of another. What it keeps: the SynIC delivers a port's messages to a VP first in, first out
/// (hyperv-abi.md §8, TLFS "Message Buffers"), so the order the host posts in is the order the guest reads; the
/// connection's messages keep the bring-up order (vmbus.md §4: VERSION_RESPONSE, OFFERCHANNEL × N, then
/// ALLOFFERS_DELIVERED; UNLOAD_RESPONSE last), and one channel's replies keep the order of its state machine
/// (GPADL_CREATED, OPENCHANNEL_RESULT, RESCIND, GPADL_TORNDOWN: vmbus-datapath.md §1–§2).
/// </summary>
public sealed class ReplyOrderTests
{
    private static readonly ulong[] Seeds = [1, 2, 3, 4, 5, 6, 7, 8];

    private static FaultScenarioSpec Delayed(ulong seed, bool reorder) =>
        Spec(new FaultPlan { Seed = seed, MaxReplyDelay = 30, ReorderReplies = reorder }, vps: 4, seed: seed);

    [Fact]
    public void Reordered_RepliesOfDifferentChannelsOvertake_EachChannelAndTheConnectionKeepTheirOrder()
    {
        var inversions = 0;
        long reordered = 0;
        foreach (var seed in Seeds)
        {
            var run = RunClean(Delayed(seed, reorder: true), out _);
            var link = run.Connections[0];
            AssertProtocolOrder(link.Client);
            inversions += Inversions(link.Client);
            reordered += link.Faults.RepliesReordered;
            Assert.True(link.Faults.RepliesDelayed > 0);
        }
        Assert.True(reordered > 0, "no reply overtook another");
        Assert.True(inversions > 0, "no channel's reply overtook a reply to an earlier request of another channel");
    }

    [Fact]
    public void DelayedOnly_RepliesComeInTheOrderOfTheRequests()
    {
        foreach (var seed in Seeds)
        {
            var run = RunClean(Delayed(seed, reorder: false), out _);
            var link = run.Connections[0];
            AssertProtocolOrder(link.Client);
            Assert.Equal(0, Inversions(link.Client));
            Assert.Equal(0, link.Faults.RepliesReordered);
            Assert.True(link.Faults.RepliesDelayed > 0);
        }
    }

    [Fact]
    public void NestedRootServingAnL2Guest_BothHostsDelayAndReorder()
    {
        var spec = Spec(new FaultPlan { Seed = 9, MaxReplyDelay = 25, ReorderReplies = true }, Topology.Nested, vps: 3, l2Guests: 1, seed: 9);
        var run = RunClean(spec, out _);
        Assert.Equal(2, run.Connections.Count);
        foreach (var link in run.Connections)
        {
            AssertProtocolOrder(link.Client);
            Assert.True(link.Faults.RepliesDelayed > 0, link.Name);
        }
    }

    // The bring-up order and each channel's order, in what the guest read.
    private static void AssertProtocolOrder(VmBusClient client)
    {
        var log = FromHost(client);
        var types = log.Select(Type).ToList();
        var lastVersion = types.LastIndexOf(VersionResponse);
        var firstOffer = types.IndexOf(OfferChannel);
        var lastOffer = types.LastIndexOf(OfferChannel);
        var allOffers = types.IndexOf(AllOffersDelivered);
        Assert.True(lastVersion >= 0 && lastVersion < firstOffer && lastOffer < allOffers, string.Join(",", types));
        Assert.Equal(UnloadResponse, types[^1]);
        foreach (var channel in client.Channels.Where(c => c.Device != GuestDevice.None))
        {
            var relId = channel.Offer.ChildRelId;
            var created = log.FindIndex(m => Type(m) == GpadlCreated && Field8(m) == relId);
            var opened = log.FindIndex(m => Type(m) == OpenChannelResult && Field8(m) == relId);
            var torndown = log.FindIndex(m => Type(m) == GpadlTorndown && Field8(m) == channel.Gpadl);
            Assert.True(allOffers < created && created < opened && opened < torndown, $"channel {relId}: {created}, {opened}, {torndown}");
        }
    }

    // Pairs of requests of two channels (OPENCHANNEL, GPADL_TEARDOWN, GPADL_HEADER) whose replies the guest read in the
    // other order than it posted the requests.
    private static int Inversions(VmBusClient client)
    {
        var posted = FromGuest(client);
        var read = FromHost(client);
        var inversions = 0;
        foreach (var (request, reply, key) in new (uint, uint, System.Func<byte[], uint>)[]
        {
            (OpenChannel, OpenChannelResult, Field8),
            (GpadlHeader, GpadlCreated, Field12),
            (GpadlTeardown, GpadlTorndown, Field12),
        })
        {
            var requests = posted.Where(m => Type(m) == request).Select(key).ToList();
            var replyKey = reply == OpenChannelResult ? (System.Func<byte[], uint>)Field8 : reply == GpadlCreated ? Field12 : Field8;
            var replies = read.Where(m => Type(m) == reply).Select(replyKey).ToList();
            for (var i = 0; i < requests.Count; i++)
            {
                for (var j = i + 1; j < requests.Count; j++)
                {
                    if (replies.IndexOf(requests[j]) < replies.IndexOf(requests[i]))
                        inversions++;
                }
            }
        }
        return inversions;
    }
}
