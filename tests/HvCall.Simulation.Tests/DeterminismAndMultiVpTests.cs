using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Registers;
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
    public void VirtualTime_IsOneMicrosecondPerStepAndOneHundredNanosecondsPerExecution_KnownFigures()
    {
        // machine-model.md "Scheduling and traces": a scheduler step advances the clock 1 µs, each execution of the
        // hypercall instruction 100 ns; a trace entry carries the time its call was issued. The figures below are
        // counted by hand, not computed from the code's constants.
        var machine = Machine.Builder().WithRepsPerTimeSlice(4).Build();
        var vp = machine.GuestVps[0];
        Assert.True(vp.Processor.TryWrite(HvX64Msr.GuestOsId, GuestLayout.LinuxGuestOsId)); // an MSR write: no time
        Assert.Equal(0, machine.Scheduler.Now);

        // No scheduler step yet: GetPartitionId is one execution (0 → 100 ns); GetVpRegisters of 10 names at 4 reps
        // per time slice is executed 3 times (reps 0-3, 4-7, 8-9): 100 → 400 ns.
        Assert.Equal(HvStatus.Success, vp.Hypercalls.Simple(HvCallCode.GetPartitionId).Status);
        Assert.Equal(100, machine.Scheduler.Now);
        var input = vp.Hypercalls.Pages.InputArea(0, 16 + 4 * 10);
        BinaryPrimitives.WriteUInt64LittleEndian(input, HvRegisterName.PartitionSelf);
        BinaryPrimitives.WriteUInt64LittleEndian(input[8..], HvRegisterName.VpIndexSelf);
        for (var i = 0; i < 10; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(input[(16 + 4 * i)..], HvRegisterName.Sint0 + (uint)i);
        Assert.Equal(10, vp.Hypercalls.Rep(HvCallCode.GetVpRegisters, 10).RepsCompleted);
        Assert.Equal(400, machine.Scheduler.Now);

        // One actor: a call, a yield, three times over. Steps 1-3 each start with +1 µs and issue one call (+100 ns);
        // step 4 finds the actor finished: 400 + 3 × 1,100 + 1,000 = 4,700 ns after 4 steps.
        machine.Scheduler.Spawn("caller", ThreeCalls(vp.Hypercalls));
        Assert.True(machine.Scheduler.Run(100));
        Assert.Equal(4, machine.Scheduler.Steps);
        Assert.Equal(4_700, machine.Scheduler.Now);
        Assert.Equal([0L, 100, 1_400, 2_500, 3_600], machine.Trace.Entries.Select(e => e.Time).ToArray());
        Assert.Equal([1, 3, 1, 1, 1], machine.Trace.Entries.Select(e => e.Executions).ToArray());
    }

    private static IEnumerable<object?> ThreeCalls(HvCall.Guest.Hypercalls hypercalls)
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HvStatus.Success, hypercalls.Simple(HvCallCode.GetPartitionId).Status);
            yield return null;
        }
    }

    [Fact]
    public void TraceTimes_OfAVmBusRun_IncreaseByAtLeastOneExecution()
    {
        var report = VmBusBringUp.Run(Options(Topology.Nested, vps: 3, seed: 11));
        Assert.True(report.Succeeded, Describe(report));
        var times = report.Hypercalls.Select(e => e.Time).ToArray();
        for (var i = 1; i < times.Length; i++)
            Assert.True(times[i] >= times[i - 1] + 100, $"entry {i}: {times[i]} ns after {times[i - 1]} ns");
        // The run's clock covers at least its steps at 1 µs each and every execution at 100 ns.
        Assert.True(report.VirtualTimeNs >= report.Steps * 1_000 + report.Hypercalls.Sum(e => e.Executions) * 100L);
        Assert.InRange(times[^1], times[0], report.VirtualTimeNs - 100);
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
