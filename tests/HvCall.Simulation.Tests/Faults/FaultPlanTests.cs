using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Faults;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using Xunit;

namespace HvCall.Simulation.Tests.Faults;

/// <summary>The plan is seeded data: the same seed draws the same scenario and the run ends the same way.</summary>
public sealed class FaultPlanTests
{
    [Theory]
    [InlineData(7UL)]
    [InlineData(42UL)]
    [InlineData(1234UL)]
    public void SameSeed_SameScenario_SameOutcome(ulong seed)
    {
        var a = FaultScenario.Run(seed);
        var b = FaultScenario.Run(seed);
        Assert.Equal(a.Spec.ToString(), b.Spec.ToString());
        Assert.Equal(a.Steps, b.Steps);
        Assert.Equal(a.VirtualTimeNs, b.VirtualTimeNs);
        Assert.Equal(a.Activity, b.Activity);
        Assert.Equal(a.Violations, b.Violations);
        Assert.True(a.Passed, string.Join("\n", a.Violations));
    }

    [Fact]
    public void DifferentSeeds_DrawDifferentScenarios()
    {
        var specs = Enumerable.Range(1, 50).Select(s => FaultScenarioSpec.Draw((ulong)s).ToString()).ToHashSet();
        Assert.Equal(50, specs.Count);
    }

    [Fact]
    public void DrawnPlans_StayWithinTheirBounds()
    {
        var workload = new ChannelWorkload { HeartbeatRounds = 2, EchoPackets = 40 };
        for (ulong seed = 0; seed < 500; seed++)
        {
            var plan = FaultPlan.Draw(seed, workload);
            // Storms: at most 12 refusals in all, far below Linux's 100 tries of one message.
            Assert.InRange(plan.PostStorms.Sum(s => s.Length), 0, FaultPlan.MaxStormAttempts);
            Assert.All(plan.PostStorms, s => Assert.True(s.Status is HvStatus.InsufficientBuffers or HvStatus.Timeout));
            if (plan.Rescind is { } rescind)
                Assert.InRange(rescind.AfterPackets, 1, rescind.Device == SimulationHarness.EchoGuid ? 40 : 3);
            Assert.InRange(plan.MaxReplyDelay, 0, 40);
        }
    }

    [Fact]
    public void NoPlan_AndTheEmptyPlan_RunTheSameProtocol()
    {
        // A host without a plan (Faults null) and one with FaultPlan.None exchange the same messages per type.
        var spec = FaultHarness.Spec(FaultPlan.None, vps: 2);
        var faulted = FaultHarness.RunClean(spec, out var attempts);
        Assert.All(attempts.Attempts, a => Assert.Equal(HvStatus.Success, a.Status));
        var plain = SimulationHarness.RunHosted(spec.Machine, workload: spec.Workload);
        Assert.True(plain.Completed && plain.Report.Errors.Count == 0, SimulationHarness.Describe(plain.Report));
        var link = faulted.Connections[0];
        Assert.Equal(plain.Client.MessagesPosted.OrderBy(p => p.Key), link.Client.MessagesPosted.OrderBy(p => p.Key));
        Assert.Equal(plain.Client.MessagesReceived.OrderBy(p => p.Key), link.Client.MessagesReceived.OrderBy(p => p.Key));
        Assert.Equal(plain.Host.MessagesSentByType.OrderBy(p => p.Key), link.Server.MessagesSentByType.OrderBy(p => p.Key));
        Assert.Equal(0, link.Faults.RepliesDelayed + link.Faults.RepliesReordered + link.Faults.Rescinds + link.Faults.SignalsLost);
    }

    [Fact]
    public void Describe_NamesEachFault()
    {
        var plan = new FaultPlan
        {
            MaxReplyDelay = 5,
            ReorderReplies = true,
            PostStorms = [new PostStorm(3, 2, HvStatus.Timeout)],
            Rescind = new RescindFault(SimulationHarness.EchoGuid, 9),
            LostSignal = new LostSignalFault(SimulationHarness.HeartbeatGuid, 1),
            PollSteps = 70,
        };
        Assert.Equal("replies delayed 0-5 steps, reordered across channels; PostMessage attempts 3-4 answered HV_STATUS_TIMEOUT; " +
            "echo rescinded after 9 packets; heartbeat signal 1 lost (host polls every 70 steps)", plan.ToString());
        Assert.Equal("no faults", FaultPlan.None.ToString());
        Assert.True(FaultPlan.None.IsEmpty);
    }
}
