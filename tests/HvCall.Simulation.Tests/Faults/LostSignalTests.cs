using System.Linq;
using HvCall.Simulation.Faults;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using Xunit;
using static HvCall.Simulation.Tests.Faults.FaultHarness;

namespace HvCall.Simulation.Tests.Faults;

/// <summary>
/// The host loses one guest → host signal. Signals are edges (vmbus-datapath.md §5): the producer signals only when
/// its write takes the ring from empty to non-empty with the consumer unmasked, so after a lost edge the ring never
/// becomes empty and the guest never signals again; only the consumer can recover, by looking at its ring unasked.
/// The faulted host does what Hyper-V's hypervisor does for monitored channels (vmbus.md §4, "monitor latency ~100
/// µs": it polls): a channel asleep for the plan's poll interval is read as if signalled.
/// </summary>
public sealed class LostSignalTests
{
    private const uint Echo = 5, Heartbeat = 3;
    private static readonly ChannelWorkload Small = new() { HeartbeatRounds = 3, EchoPackets = 300, EchoPacketSize = 256, EchoRingPages = 8 };

    [Theory]
    [InlineData(1L)]
    [InlineData(2L)]
    public void LostEchoSignal_TheHostPollsAndDrainsTheRing(long signal)
    {
        var plan = new FaultPlan { LostSignal = new LostSignalFault(SimulationHarness.EchoGuid, signal), PollSteps = 100 };
        var run = RunClean(Spec(plan, workload: Small), out _);
        var link = run.Connections[0];
        var hosted = SimulationHarness.HostChannelOf(link.Server, Echo);
        Assert.Equal(1, hosted.SignalsLost);
        Assert.True(hosted.Polls >= 1);
        Assert.Equal(Small.EchoPackets, link.Client.Channels.Single(c => c.Offer.ChildRelId == Echo).EchoesVerified);
    }

    [Fact]
    public void LostHeartbeatAnswerSignal_TheHostPollsAndTheRoundsComplete()
    {
        // Signal 1 on the heartbeat channel: the guest's answer to NEGOTIATE (hv_utils answers in direct mode).
        var plan = new FaultPlan { LostSignal = new LostSignalFault(SimulationHarness.HeartbeatGuid, 1), PollSteps = 60 };
        var run = RunClean(Spec(plan, workload: Small), out _);
        var hosted = SimulationHarness.HostChannelOf(run.Connections[0].Server, Heartbeat);
        Assert.Equal(1, hosted.SignalsLost);
        Assert.True(hosted.Polls >= 1);
        Assert.Equal(Small.HeartbeatRounds, ((HostIcDevice)hosted.Device).CompletedRounds);
    }

    [Fact]
    public void WithoutPolling_TheLostEdgeIsNeverRepeated_AndTheChannelStalls()
    {
        // A host that loses the first echo signal and never polls: the guest's later writes find the ring non-empty and
        // do not signal (§5), the host reads nothing, and the guest gives up waiting (Linux would wait forever).
        var plan = new FaultPlan { LostSignal = new LostSignalFault(SimulationHarness.EchoGuid, 1), PollSteps = int.MaxValue };
        var (run, _) = Build(Spec(plan, workload: Small));
        Assert.True(run.Execute());
        var link = run.Connections[0];
        var echo = link.Client.Channels.Single(c => c.Offer.ChildRelId == Echo);
        var hosted = SimulationHarness.HostChannelOf(link.Server, Echo);
        Assert.Equal(1, echo.SignalsSent);
        Assert.Equal(1, hosted.SignalsReceived);
        Assert.Equal(0, hosted.PacketsReceived);
        Assert.Equal(0, echo.EchoesVerified);
        Assert.Contains(link.Client.Errors, e => e.Contains("timed out waiting for echo packets", System.StringComparison.Ordinal));
        var violations = FaultInvariants.Check(run);
        Assert.Contains(violations, v => v.Contains("never came back", System.StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutALostSignal_TheHostNeverPolls()
    {
        var run = RunClean(Spec(new FaultPlan { MaxReplyDelay = 10 }, vps: 2, workload: Small), out _);
        Assert.All(run.Connections[0].Server.ChannelsOpened, c => Assert.Equal(0, c.Polls));
        Assert.Equal(0, run.Connections[0].Faults.PollSteps);
    }
}
