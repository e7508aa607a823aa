using System;
using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Faults;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using Xunit;
using static HvCall.Simulation.Tests.Faults.FaultHarness;

namespace HvCall.Simulation.Tests.Faults;

/// <summary>
/// The host answers the guest's HvCallPostMessage with INSUFFICIENT_BUFFERS (0x13) or TIMEOUT (0x78) storms and takes
/// nothing: the guest sees the status, waits and posts the same message again, as Linux's <c>vmbus_post_msg</c> does
/// (host-implementations.md §7: "up to 100 retries with exponential back-off" on INSUFFICIENT_BUFFERS; TIMEOUT is
/// OpenVMM's note of what Hyper-V answers "to force the guest to retry").
/// </summary>
public sealed class PostMessageStormTests
{
    [Fact]
    public void InsufficientBuffersStorm_TheSameInitiateContactIsPostedAgain_AfterDoublingDelays()
    {
        var spec = Spec(new FaultPlan { PostStorms = [new PostStorm(1, 6, HvStatus.InsufficientBuffers)] }, trace: true);
        var run = RunClean(spec, out var attempts);

        // Attempts 1-6 refused, 7 taken; all seven are the first INITIATE_CONTACT: version 5.3 (0x00050003 @8).
        var first = attempts.Attempts.Take(7).ToArray();
        Assert.All(first, a => Assert.Equal(InitiateContact, a.Type));
        Assert.All(first, a => Assert.Equal(0x0005_0003u, Field8(a.Message)));
        Assert.Equal(Enumerable.Repeat(HvStatus.InsufficientBuffers, 6).Append(HvStatus.Success), first.Select(a => a.Status));

        // The guest saw 0x13 in RAX six times on its first seven PostMessage calls.
        var posts = run.Machine.Trace.Entries.Where(e => e.Control.Code.Value == 0x5C).Take(7).ToArray();
        Assert.Equal(Enumerable.Repeat(InsufficientBuffersCode, 6).Append((ushort)0), posts.Select(e => (ushort)e.Result.Status));
        // Linux waits udelay(usec) between tries, usec = 1, 2, 4, … µs (vmbus_post_msg): each gap at least that long.
        for (var i = 1; i < posts.Length; i++)
        {
            var gap = posts[i].Time - posts[i - 1].Time;
            var wait = 1000L << (i - 1);
            Assert.InRange(gap, wait, wait + 100_000);
        }

        // Nothing refused reached the host: it handled one INITIATE_CONTACT per version tried (5.3 refused, 5.2 taken).
        var host = run.Connections[0].Server;
        Assert.Equal(2, host.MessagesReceivedByType[HvCall.VmBus.Messages.VmBusMessageType.InitiateContact]);
        Assert.Equal(6, run.Connections[0].Client.PostRetriesByStatus[HvStatus.InsufficientBuffers]);
    }

    [Fact]
    public void TimeoutStorm_ReachesTheGuestAsAStatus_AndEachMessageIsDeliveredOnce()
    {
        // One VP: attempts 1-3 are INITIATE_CONTACT 5.3, 5.2 and REQUESTOFFERS; 4-6 the first GPADL_HEADER of each of the
        // three driver channels, which start together.
        var spec = Spec(new FaultPlan { PostStorms = [new PostStorm(4, 3, HvStatus.Timeout)] }, trace: true);
        var run = RunClean(spec, out var attempts);

        var refused = attempts.Attempts.Where(a => a.Status == HvStatus.Timeout).ToArray();
        Assert.Equal(3, refused.Length);
        Assert.All(refused, a => Assert.Equal(GpadlHeader, a.Type));
        var taken = attempts.Attempts.Where(a => a.Status == HvStatus.Success).ToList();
        foreach (var attempt in refused)
            Assert.Single(taken, t => t.Message.AsSpan().SequenceEqual(attempt.Message));

        // GPADL handles 0xE1E10.. (vmbus-datapath.md §2), each created once.
        var headers = FromGuest(run.Connections[0].Client).Where(m => Type(m) == GpadlHeader).Select(Field12).Order().ToArray();
        Assert.Equal(new uint[] { 0xE1E10, 0xE1E11, 0xE1E12 }, headers);

        // The TIMEOUT came back in RAX from one execution of the instruction: a status, not a continuation.
        var timeouts = run.Machine.Trace.Entries.Where(e => e.Control.Code.Value == 0x5C && (ushort)e.Result.Status == TimeoutCode).ToArray();
        Assert.Equal(3, timeouts.Length);
        Assert.All(timeouts, e => Assert.Equal(1, e.Executions));
    }

    [Fact]
    public void NestedRoot_L0sRefusalComesBackThroughL1_AndTheRootRetriesWithTheNestedBit()
    {
        var spec = Spec(new FaultPlan { PostStorms = [new PostStorm(3, 4, HvStatus.InsufficientBuffers)] }, Topology.Nested, trace: true);
        var run = RunClean(spec, out var attempts);

        Assert.Equal(4, attempts.Attempts.Count(a => a.Status == HvStatus.InsufficientBuffers));
        var refused = run.Machine.Trace.Entries.Where(e => e.Partition == "root" && e.Control.Code.Value == 0x5C && !e.Result.IsSuccess).ToArray();
        Assert.Equal(4, refused.Length);
        // The root's PostMessage carries bit 31 and L0 answered it (design.md: the nested bit on 0x5C for a nested root).
        Assert.All(refused, e => Assert.Equal(1UL << 31, e.Control.Value & (1UL << 31)));
        Assert.All(refused, e => Assert.Equal("L0", e.HandledBy));
        Assert.All(refused, e => Assert.Equal(InsufficientBuffersCode, (ushort)e.Result.Status));
    }

    [Theory]
    [InlineData(HvStatus.InsufficientBuffers, true, true)]
    [InlineData(HvStatus.InsufficientMemory, true, true)]
    // INVALID_CONNECTION_ID is retried, but on INITIATE_CONTACT it means "an older host": try the next version (vmbus.md §3).
    [InlineData(HvStatus.InvalidConnectionId, true, false)]
    // HvCall's choice beyond Linux (which fails the post): TIMEOUT is retried (host-implementations.md §7, OpenVMM).
    [InlineData(HvStatus.Timeout, true, true)]
    [InlineData(HvStatus.InvalidParameter, false, false)]
    [InlineData(HvStatus.AccessDenied, false, false)]
    [InlineData(HvStatus.InvalidPortId, false, false)]
    public void TransientStatuses(HvStatus status, bool retried, bool retriedOnInitiateContact)
    {
        Assert.Equal(retried, VmBusClient.IsTransient(status));
        Assert.Equal(retriedOnInitiateContact, VmBusClient.IsTransient(status, retryInvalidConnection: false));
    }

    [Fact]
    public void LinuxRetryConstants()
    {
        // vmbus_post_msg: while (retries < 100), usec = 1, "if (retries < 22) usec *= 2".
        Assert.Equal(100, VmBusClient.PostRetries);
        Assert.Equal(1, VmBusClient.FirstPostBackOffMicroseconds);
        Assert.Equal(21, VmBusClient.PostBackOffDoublings);
    }
}
