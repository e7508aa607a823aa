using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using Xunit;
using static HvCall.Simulation.Tests.SimulationHarness;

namespace HvCall.Simulation.Tests;

/// <summary>The seeded scheduler makes runs reproducible; different seeds explore different interleavings.</summary>
public sealed class DeterminismTests
{
    [Theory]
    [InlineData(Topology.Flat, HvArchitecture.X64, 1, 1UL)]
    [InlineData(Topology.Flat, HvArchitecture.Arm64, 2, 9UL)]
    [InlineData(Topology.Nested, HvArchitecture.X64, 4, 42UL)]
    [InlineData(Topology.Nested, HvArchitecture.X64, 8, 0xDEADBEEFUL)]
    public void SameSeed_IdenticalTraceAndReport(Topology topology, HvArchitecture architecture, int vps, ulong seed)
    {
        var options = Options(topology, architecture, vps, seed);
        var a = VmBusBringUp.Run(options);
        var b = VmBusBringUp.Run(options);

        Assert.Equal(a.Hypercalls.Count, b.Hypercalls.Count);
        for (var i = 0; i < a.Hypercalls.Count; i++)
        {
            var (x, y) = (a.Hypercalls[i], b.Hypercalls[i]);
            Assert.Equal(x.Time, y.Time);
            Assert.Equal(x.Vp, y.Vp);
            Assert.Equal(x.HandledBy, y.HandledBy);
            Assert.Equal(x.Control, y.Control);
            Assert.Equal(x.Result, y.Result);
            Assert.Equal(x.Executions, y.Executions);
            Assert.Equal(x, y);
        }
        Assert.Equal(a.Offers, b.Offers);
        Assert.Equal(a.Errors, b.Errors);
        Assert.Equal(a.Channels, b.Channels);
        Assert.Equal(a.Children, b.Children);
        Assert.Equal(a with { Offers = b.Offers, Errors = b.Errors, Hypercalls = b.Hypercalls, Channels = b.Channels, Children = b.Children }, b);
        Assert.Equal((a.Steps, a.VirtualTimeNs, a.SignalsSent, a.InterruptsReceived, a.Failures), (b.Steps, b.VirtualTimeNs, b.SignalsSent, b.InterruptsReceived, b.Failures));
        Assert.True(a.Succeeded, Describe(a));
    }

    [Theory]
    [InlineData(Topology.Flat)]
    [InlineData(Topology.Nested)]
    public void DifferentSeeds_ExploreDifferentInterleavings_AndAllSucceed(Topology topology)
    {
        var traces = new HashSet<string>();
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var report = VmBusBringUp.Run(Options(topology, vps: 4, seed: seed));
            Assert.True(report.Succeeded, $"seed {seed}: {Describe(report)}");
            Assert.Equal(3, report.Heartbeats);
            Assert.Equal("3.2", report.ShutdownVersion);
            Assert.Equal(1000, report.EchoesVerified);
            traces.Add(Fingerprint(report.Hypercalls));
        }
        Assert.True(traces.Count > 1, "ten seeds gave one interleaving");
    }

    [Fact]
    public void VirtualTime_IsStepsPlusHypercallCost_AndTraceTimesIncrease()
    {
        var report = VmBusBringUp.Run(Options(Topology.Nested, vps: 3, seed: 11));
        var executions = report.Hypercalls.Sum(e => e.Executions);
        Assert.Equal(report.Steps * Scheduling.Scheduler.NanosecondsPerStep + executions * SimulatedProcessor.HypercallCostNs, report.VirtualTimeNs);
        var times = report.Hypercalls.Select(e => e.Time).ToArray();
        for (var i = 1; i < times.Length; i++)
            Assert.True(times[i] >= times[i - 1] + SimulatedProcessor.HypercallCostNs, $"entry {i}: {times[i]} after {times[i - 1]}");
        Assert.All(times, t => Assert.InRange(t, Scheduling.Scheduler.NanosecondsPerStep, report.VirtualTimeNs));
    }
}

/// <summary>1 to 8 VPs: each channel runs on (and takes interrupts on) VP relid % vps; control traffic stays on VP 0.</summary>
public sealed class MultiVpTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void EveryChannel_RunsOnVpRelIdModVps(int vps)
    {
        foreach (var topology in new[] { Topology.Flat, Topology.Nested })
        {
            var run = RunHosted(Options(topology, vps: vps, seed: (ulong)(vps * 31)));
            Assert.True(run.Completed);
            Assert.True(run.Report.Succeeded, Describe(run.Report));
            var trace = run.Machine.Trace.Entries;
            var signals = trace.Where(e => Is(e, SignalEventCode)).ToList();
            Assert.All(signals, e => Assert.Equal(HvStatus.Success, e.Result.Status));

            foreach (var channel in run.Report.Channels)
            {
                Assert.Equal(channel.RelId % (uint)vps, channel.TargetVp);
                if (channel.Opened)
                    Assert.Equal(channel.TargetVp, HostChannelOf(run.Host, channel.RelId).TargetVp);
            }
            for (uint vp = 0; vp < vps; vp++)
            {
                var mine = run.Report.Channels.Where(c => c.TargetVp == vp).ToList();
                Assert.Equal(mine.Sum(c => c.SignalsSent), signals.Count(e => e.Vp == vp));
                // Channel posts come from the channel's VP: GPADL_HEADER, OPENCHANNEL, CLOSECHANNEL, GPADL_TEARDOWN,
                // plus one GPADL_BODY for echo's 32 pages; VP 0 adds 2 INITIATE_CONTACTs, REQUESTOFFERS and UNLOAD.
                var expected = mine.Sum(c => c.RelId == EchoRelId ? 5 : c.Opened ? 4 : 0) + (vp == 0 ? 4 : 0);
                Assert.Equal(expected, trace.Count(e => Is(e, PostMessageCode) && e.Vp == vp));
            }
        }
    }

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    public void WithEnoughVps_EachChannelVpSignalsExactlyItsChannel(int vps)
    {
        // Channels 3, 4, 5 run alone on VPs 3, 4, 5: every SignalEvent a VP issues reaches its channel's host
        // event port, which only connection relid | 0x2000 leads to. VPs 1 and 2 (network, storage: no driver)
        // and VPs above 5 issue no hypercall at all on x64 (SynIC through MSRs).
        var run = RunHosted(Options(Topology.Flat, vps: vps, seed: 3));
        Assert.True(run.Report.Succeeded, Describe(run.Report));
        var trace = run.Machine.Trace.Entries;
        for (var relId = HeartbeatRelId; relId <= EchoRelId; relId++)
        {
            var fromVp = trace.Count(e => Is(e, SignalEventCode) && e.Vp == relId);
            Assert.True(fromVp > 0);
            Assert.Equal(fromVp, HostChannelOf(run.Host, relId).SignalsReceived);
            Assert.All(trace.Where(e => e.Vp == relId), e => Assert.True(Is(e, SignalEventCode) || Is(e, PostMessageCode)));
        }
        foreach (var vp in new[] { 1, 2 }.Concat(Enumerable.Range(6, vps - 6)))
            Assert.DoesNotContain(trace, e => e.Vp == vp);
    }
}
