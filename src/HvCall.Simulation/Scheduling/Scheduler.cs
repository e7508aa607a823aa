using System;
using System.Collections.Generic;

namespace HvCall.Simulation.Scheduling;

/// <summary>
/// A deterministic scheduler on a virtual clock. Actors are coroutines: each <c>yield return</c> is a
/// point where another actor may run. At every step a seeded random source picks the next runnable
/// actor, and the clock advances by one step's worth of virtual time, so the same seed always gives
/// the same interleaving and the same trace.
/// </summary>
public sealed class Scheduler
{
    /// <summary>Virtual nanoseconds one actor step takes.</summary>
    public const long NanosecondsPerStep = 1_000;

    private readonly SplitMix64 _random;
    private readonly List<Actor> _actors = [];

    /// <summary>A scheduler with the given seed.</summary>
    /// <param name="seed">The seed of the interleaving.</param>
    public Scheduler(ulong seed) => _random = new SplitMix64(seed);

    /// <summary>The virtual clock; each step advances it by <see cref="NanosecondsPerStep"/>.</summary>
    public VirtualClock Clock { get; } = new();

    /// <summary>The virtual time in nanoseconds since the start.</summary>
    public long Now => Clock.Now;

    /// <summary>Steps run so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Adds an actor.</summary>
    /// <param name="name">A name for diagnostics.</param>
    /// <param name="body">The coroutine.</param>
    /// <param name="daemon">True for a service (such as a host endpoint) that never finishes; the run ends when every non-daemon actor has.</param>
    public void Spawn(string name, IEnumerable<object?> body, bool daemon = false)
    {
        ArgumentNullException.ThrowIfNull(body);
        _actors.Add(new Actor(name, body.GetEnumerator(), daemon));
    }

    /// <summary>Runs until every non-daemon actor finishes or <paramref name="maxSteps"/> is reached.</summary>
    /// <param name="maxSteps">A bound on steps, so a guest that waits forever cannot hang the run.</param>
    /// <returns>True when every non-daemon actor finished.</returns>
    public bool Run(long maxSteps)
    {
        var runnable = new List<Actor>(_actors.Count);
        while (Steps < maxSteps)
        {
            runnable.Clear();
            var waiting = 0;
            foreach (var actor in _actors)
            {
                if (actor.Done)
                    continue;
                runnable.Add(actor);
                if (!actor.Daemon)
                    waiting++;
            }
            if (waiting == 0)
                return true;
            var next = runnable[_random.Next(runnable.Count)];
            Steps++;
            Clock.Advance(NanosecondsPerStep);
            if (!next.Body.MoveNext())
                next.Done = true;
        }
        return false;
    }

    private sealed class Actor(string name, IEnumerator<object?> body, bool daemon)
    {
        public string Name { get; } = name;
        public IEnumerator<object?> Body { get; } = body;
        public bool Daemon { get; } = daemon;
        public bool Done { get; set; }
        public override string ToString() => Name;
    }
}
