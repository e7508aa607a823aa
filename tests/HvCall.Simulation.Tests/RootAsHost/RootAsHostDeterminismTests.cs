using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using HvCall.Simulation.Scenarios;
using Microsoft.FSharp.Core;
using Xunit;
using static HvCall.Simulation.Tests.RootAsHost.RootAsHostHarness;

namespace HvCall.Simulation.Tests.RootAsHost;

/// <summary>With L2 guests the run stays reproducible: the same seed gives the same trace, partitions included, and the same reports of the root and every child.</summary>
public sealed class RootAsHostDeterminismTests
{
    private static readonly Config Replayed = Config.QuickThrowOnFailure
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x524F_4F54UL), FSharpOption<int>.None)))
        .WithMaxTest(25);

    [Theory]
    [InlineData(Scenario.Default, 1, 1, 1UL)]
    [InlineData(Scenario.Default, 3, 2, 42UL)]
    [InlineData(Scenario.Default, 4, 4, 0xDEADBEEFUL)]
    [InlineData(Scenario.NaiveRoot, 2, 3, 5UL)]
    [InlineData(Scenario.RoutingNone, 2, 2, 6UL)]
    public void SameSeed_IdenticalTrace_AndReports(Scenario scenario, int guests, int vps, ulong seed)
    {
        var a = VmBusBringUp.Run(Nested(guests, vps, seed), scenario: scenario);
        var b = VmBusBringUp.Run(Nested(guests, vps, seed), scenario: scenario);

        Assert.Equal(a.Hypercalls.Count, b.Hypercalls.Count);
        for (var i = 0; i < a.Hypercalls.Count; i++)
        {
            var (x, y) = (a.Hypercalls[i], b.Hypercalls[i]);
            Assert.Equal(x.Time, y.Time);
            Assert.Equal(x.Vp, y.Vp);
            Assert.Equal(x.Partition, y.Partition);
            Assert.Equal(x.HandledBy, y.HandledBy);
            Assert.Equal(x.Control, y.Control);
            Assert.Equal(x.Result, y.Result);
            Assert.Equal(x.Executions, y.Executions);
            Assert.Equal(x, y);
        }
        Assert.Equal(Fingerprint(a.Hypercalls), Fingerprint(b.Hypercalls));

        // Children: record equality compares the channel list by reference, so compare the channels first.
        Assert.Equal(a.Children.Count, b.Children.Count);
        for (var i = 0; i < a.Children.Count; i++)
        {
            var (x, y) = (a.Children[i], b.Children[i]);
            Assert.Equal(x.Channels, y.Channels);
            Assert.Equal(x with { Channels = y.Channels }, y);
        }
        Assert.Equal(a.Offers, b.Offers);
        Assert.Equal(a.Errors, b.Errors);
        Assert.Equal(a.Channels, b.Channels);
        Assert.Equal(a with { Offers = b.Offers, Errors = b.Errors, Hypercalls = b.Hypercalls, Channels = b.Channels, Children = b.Children }, b);
        Assert.Equal((a.Steps, a.VirtualTimeNs, a.Failures, a.Succeeded), (b.Steps, b.VirtualTimeNs, b.Failures, b.Succeeded));
    }

    [Theory]
    [InlineData(Scenario.Default)]
    [InlineData(Scenario.NaiveRoot)]
    public void DifferentSeeds_AllSucceed_AndExploreDifferentInterleavings(Scenario scenario)
    {
        var traces = new HashSet<string>();
        for (ulong seed = 1; seed <= 12; seed++)
        {
            var report = VmBusBringUp.Run(Nested(3, vps: 3, seed: seed), scenario: scenario);
            Assert.True(report.Succeeded, $"seed {seed}: {Describe(report)}");
            Assert.Equal(3, report.Children.Count);
            Assert.All(report.Children, c =>
            {
                Assert.Equal(3, c.Heartbeats);
                Assert.Equal(1000, c.EchoesVerified);
                Assert.True(c.Unloaded);
            });
            traces.Add(Fingerprint(report.Hypercalls));
        }
        Assert.True(traces.Count > 1, "every seed gave the same interleaving");
    }

    [Fact]
    public void HandBuiltRun_IsTheScenariosRun()
    {
        // The hand-built harness spawns the parties in the scenario's order, so its observations are of the same run.
        var options = Nested(3, vps: 2, seed: 31);
        var report = VmBusBringUp.Run(options);
        var run = RunByHand(options);

        Assert.Equal(Fingerprint(report.Hypercalls), Fingerprint(run.Trace));
    }

    [Fact]
    public void RandomShapes_AreReproducible_AndSucceed() => Check.One(Replayed, Prop.ForAll(
        Arb.From(Gen.Choose(1, 4).Two().Zip(Gen.Choose(0, int.MaxValue))), shape =>
        {
            var ((guests, vps), seed) = ((shape.Item1.Item1, shape.Item1.Item2), (ulong)shape.Item2);
            var a = VmBusBringUp.Run(Nested(guests, vps, seed));
            var b = VmBusBringUp.Run(Nested(guests, vps, seed));
            Assert.True(a.Succeeded, $"{guests} guests, {vps} VPs, seed {seed}: {Describe(a)}");
            Assert.Equal(Fingerprint(a.Hypercalls), Fingerprint(b.Hypercalls));
            Assert.Equal(a.Hypercalls, b.Hypercalls);
            Assert.Equal(guests, a.Children.Count(c => c.Unloaded && c.EchoesVerified == 1000));
        }));

    [Fact]
    public void DifferentSeeds_RoutingNone_ChildrenStillSucceed()
    {
        for (ulong seed = 1; seed <= 8; seed++)
        {
            var report = VmBusBringUp.Run(Nested(2, vps: 2, seed: seed), scenario: Scenario.RoutingNone);
            Assert.False(report.VmBusConnected);
            Assert.All(report.Children, c => Assert.True(c.VmBusConnected && c.Unloaded && c.EchoesVerified == 1000, $"seed {seed}: {c.Partition}"));
        }
    }
}
