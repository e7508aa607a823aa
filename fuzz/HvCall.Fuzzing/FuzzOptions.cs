using System.Collections.Generic;

namespace HvCall.Fuzzing;

/// <summary>What a fuzz run does: how many hypercalls, from which seed, on which machines.</summary>
public sealed record FuzzOptions
{
    /// <summary>Hypercalls to issue in all, split evenly across <see cref="Configurations"/> (MSR writes and guest-side
    /// actions come on top and are counted apart).</summary>
    public long Calls { get; init; } = 100_000;

    /// <summary>The seed: the same seed and options give the same calls and the same findings.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The machines; each gets its own generator seeded from <see cref="Seed"/> and its index.</summary>
    public IReadOnlyList<FuzzConfiguration> Configurations { get; init; } = FuzzConfiguration.Standard;

    /// <summary>Pages of guest memory compared with the shadow copy after every operation besides the pages the call
    /// named (a rotating sweep, so every page is compared every few thousand operations); 0 disables the sweep.</summary>
    public int SweepPagesPerOperation { get; init; } = 2;

    /// <summary>Operations between two rounds of plausible setup (SynIC enablement, ports and connections).</summary>
    public int SetupInterval { get; init; } = 2048;

    /// <summary>Findings kept per distinct kind, code and detail (the count goes on).</summary>
    public int MaxExamplesPerFinding { get; init; } = 1;

    /// <summary>Host code that misbehaves on purpose, to show the invariants catch it (tests only).</summary>
    public Sabotage Sabotage { get; init; } = Sabotage.None;
}

/// <summary>Faults the fuzzer's own host code can plant, so a test can see the invariant checks fail.</summary>
public enum Sabotage
{
    /// <summary>Host code behaves.</summary>
    None,
    /// <summary>The host port sink writes one byte into the sender's guard page when a message arrives.</summary>
    HostSinkWritesGuestMemory,
    /// <summary>The host port sink throws when a message arrives (an exception escaping the PostMessage trap).</summary>
    HostSinkThrows,
}
