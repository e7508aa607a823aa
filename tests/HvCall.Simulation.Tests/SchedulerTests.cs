using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using HvCall.Simulation.Scheduling;
using Microsoft.FSharp.Core;
using Xunit;

namespace HvCall.Simulation.Tests;

/// <summary>SplitMix64 and the deterministic scheduler.</summary>
public sealed class SchedulerTests
{
    private static readonly Config Fixed = Config.QuickThrowOnFailure
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x5EED), FSharpOption<int>.None)))
        .WithMaxTest(300);

    [Fact]
    public void SplitMix64_Seed0_MatchesReferenceOutputs()
    {
        // Vigna's splitmix64.c with x = 0.
        var random = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, random.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, random.Next());
        Assert.Equal(0x06C45D188009454FUL, random.Next());
    }

    [Fact]
    public void SplitMix64_SameSeedSameSequence_DifferentSeedDifferent() => Check.One(Fixed, Prop.ForAll(
        Arb.From(Gen.Choose(0, int.MaxValue).Two().Select(t => ((ulong)(uint)t.Item1 << 32) | (uint)t.Item2)),
        seed =>
        {
            var a = new SplitMix64(seed);
            var b = new SplitMix64(seed);
            var c = new SplitMix64(seed + 1);
            var xs = Enumerable.Range(0, 64).Select(_ => a.Next()).ToArray();
            var ys = Enumerable.Range(0, 64).Select(_ => b.Next()).ToArray();
            var zs = Enumerable.Range(0, 64).Select(_ => c.Next()).ToArray();
            return xs.SequenceEqual(ys) && !xs.SequenceEqual(zs);
        }));

    [Fact]
    public void SplitMix64_BoundedValuesStayInRange() => Check.One(Fixed, Prop.ForAll(
        Arb.From(Gen.Choose(1, 1000)), Arb.From(Gen.Choose(0, int.MaxValue)),
        (bound, seed) =>
        {
            var random = new SplitMix64((ulong)seed);
            return Enumerable.Range(0, 200).All(_ => random.Next(bound) is var v && v >= 0 && v < bound);
        }));

    [Fact]
    public void SplitMix64_BoundOne_AlwaysZero_AndSmallBoundsCoverEveryValue()
    {
        var random = new SplitMix64(7);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(0, random.Next(1)));
        var seen = Enumerable.Range(0, 400).Select(_ => random.Next(4)).Distinct().Order().ToArray();
        Assert.Equal([0, 1, 2, 3], seen);
    }

    [Fact]
    public void Run_ReturnsFalse_WhenAnActorNeverFinishes()
    {
        var scheduler = new Scheduler(1);
        scheduler.Spawn("forever", Forever(new List<string>(), "forever"));
        Assert.False(scheduler.Run(100));
        Assert.Equal(100, scheduler.Steps);
        Assert.Equal(100_000, scheduler.Now); // 100 steps at 1 µs each (machine-model.md)
        Assert.False(scheduler.Run(150)); // the bound is on total steps
        Assert.Equal(150, scheduler.Steps);
    }

    [Fact]
    public void Daemons_DoNotKeepTheRunAlive()
    {
        var log = new List<string>();
        var scheduler = new Scheduler(3);
        scheduler.Spawn("daemon", Forever(log, "daemon"), daemon: true);
        scheduler.Spawn("worker", Steps(log, "worker", 5));
        Assert.True(scheduler.Run(10_000));
        Assert.Equal(5, log.Count(l => l == "worker"));
        Assert.True(scheduler.Steps < 10_000);
        Assert.Equal(scheduler.Steps, log.Count + 1); // every step ran one body; the worker's last step only ended it
    }

    [Fact]
    public void OnlyDaemons_OrNothing_FinishesAtOnce()
    {
        var empty = new Scheduler(1);
        Assert.True(empty.Run(10));
        Assert.Equal(0, empty.Steps);

        var daemons = new Scheduler(1);
        daemons.Spawn("d", Forever(new List<string>(), "d"), daemon: true);
        Assert.True(daemons.Run(10));
        Assert.Equal(0, daemons.Steps);
        Assert.Equal(0, daemons.Now);
    }

    [Fact]
    public void AnUnfinishedRun_CanBeResumed()
    {
        var log = new List<string>();
        var scheduler = new Scheduler(5);
        scheduler.Spawn("a", Steps(log, "a", 30));
        Assert.False(scheduler.Run(10));
        Assert.True(scheduler.Run(1000));
        Assert.Equal(30, log.Count);
        Assert.Equal(31, scheduler.Steps);
    }

    [Fact]
    public void SameSeed_SameInterleaving_DifferentSeedsDiffer()
    {
        static string Interleaving(ulong seed)
        {
            var log = new List<string>();
            var scheduler = new Scheduler(seed);
            foreach (var name in new[] { "a", "b", "c" })
                scheduler.Spawn(name, Steps(log, name, 20));
            Assert.True(scheduler.Run(1000));
            Assert.Equal(60, log.Count);
            return string.Concat(log);
        }

        Assert.Equal(Interleaving(42), Interleaving(42));
        Assert.True(Enumerable.Range(1, 10).Select(s => Interleaving((ulong)s)).Distinct().Count() > 1);
        // Each actor's own steps stay in order whatever the interleaving.
        Assert.Equal(20, Interleaving(9).Count(ch => ch == 'a'));
    }

    [Fact]
    public void VirtualClock_OnlyMovesForward()
    {
        var clock = new VirtualClock();
        clock.Advance(0);
        clock.Advance(250);
        Assert.Equal(250, clock.Now);
        Assert.Throws<System.ArgumentOutOfRangeException>(() => clock.Advance(-1));
        Assert.Equal(250, clock.Now);
    }

    [Fact]
    public void Spawn_RejectsNull() => Assert.Throws<System.ArgumentNullException>(() => new Scheduler(1).Spawn("x", null!));

    private static IEnumerable<object?> Forever(List<string> log, string name)
    {
        while (true)
        {
            log.Add(name);
            yield return null;
        }
    }

    private static IEnumerable<object?> Steps(List<string> log, string name, int count)
    {
        for (var i = 0; i < count; i++)
        {
            log.Add(name);
            yield return null;
        }
    }
}
