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
        Assert.Equal(a with { Offers = b.Offers, Errors = b.Errors, Hypercalls = b.Hypercalls }, b);
        Assert.Equal((a.Steps, a.VirtualTimeNs, a.SignalsSent, a.EventsReceived, a.Failures), (b.Steps, b.VirtualTimeNs, b.SignalsSent, b.EventsReceived, b.Failures));
        Assert.True(a.VmBusConnected);
    }

    [Theory]
    [InlineData(Topology.Flat)]
    [InlineData(Topology.Nested)]
    public void DifferentSeeds_ExploreDifferentInterleavings_AndAllConnect(Topology topology)
    {
        var traces = new HashSet<string>();
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var report = VmBusBringUp.Run(Options(topology, vps: 4, seed: seed));
            Assert.True(report.VmBusConnected, $"seed {seed}: {string.Join("; ", report.Errors)}");
            Assert.Empty(report.Errors);
            Assert.Equal(3, report.EventsReceived);
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

/// <summary>Bring-up with 1 to 8 VPs: VP relid % vps signals channel relid.</summary>
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
    public void Connects_EachChannelSignalledOnce_FromVpRelIdModVps(int vps)
    {
        foreach (var topology in new[] { Topology.Flat, Topology.Nested })
        {
            var run = RunHosted(Options(topology, vps: vps, seed: (ulong)(vps * 31)));
            Assert.True(run.Completed);
            Assert.True(run.Client.Connected);
            Assert.Empty(run.Client.Errors);
            Assert.Equal(3, run.Host.ChannelSignals.Count);
            Assert.All(run.Host.ChannelSignals.Values, count => Assert.Equal(1, count));
            Assert.Equal(3, run.Client.EventsReceived);

            var signals = run.Machine.Trace.Entries.Where(e => Is(e, SignalEventCode)).ToList();
            Assert.Equal(3, signals.Count);
            Assert.All(signals, e => Assert.Equal(HvStatus.Success, e.Result.Status));
            for (uint vp = 0; vp < vps; vp++)
            {
                var expected = new uint[] { 1, 2, 3 }.Count(relId => relId % (uint)vps == vp);
                Assert.Equal(expected, signals.Count(e => e.Vp == vp));
            }
            // Negotiation and REQUESTOFFERS run on the boot VP only.
            Assert.All(run.Machine.Trace.Entries.Where(e => Is(e, PostMessageCode)), e => Assert.Equal(0u, e.Vp));
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void WithEnoughVps_EachSignallingVpSignalsExactlyItsChannel(int vps)
    {
        // Each of VPs 1..3 signals once and issues nothing after it, so the fast input it left in RDX
        // is the connection id it signalled: relid | 0x2000 with relid == the VP index.
        var run = RunHosted(Options(Topology.Flat, vps: vps, seed: 3));
        Assert.True(run.Client.Connected);
        for (uint vp = 1; vp <= 3; vp++)
        {
            var last = run.Machine.Trace.Entries.Last(e => e.Vp == vp);
            Assert.Equal(SignalEventCode, last.Control.Code.Value);
            Assert.Equal(vp | 0x2000UL, run.Machine.GuestVps[(int)vp].Processor.VirtualProcessor.X64.Rdx);
        }
        for (var vp = 4; vp < vps; vp++)
            Assert.DoesNotContain(run.Machine.Trace.Entries, e => e.Vp == vp);
    }
}
