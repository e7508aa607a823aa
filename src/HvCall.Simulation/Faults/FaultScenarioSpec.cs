using System;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scheduling;
using HvCall.Simulation.VmBus;

namespace HvCall.Simulation.Faults;

/// <summary>One fault scenario: the machine, what its devices do, and how the host misbehaves.</summary>
public sealed record FaultScenarioSpec
{
    /// <summary>The seed the scenario was drawn from (0 when built by hand).</summary>
    public ulong Seed { get; init; }

    /// <summary>The machine (its own seed drives the scheduler's interleaving and the ring-page order).</summary>
    public MachineOptions Machine { get; init; } = new() { Trace = false };

    /// <summary>What the devices do.</summary>
    public ChannelWorkload Workload { get; init; } = new();

    /// <summary>How every VMBus host of the run misbehaves: L0's and, on a nested machine with L2 guests, the root's.</summary>
    public FaultPlan Plan { get; init; } = FaultPlan.None;

    /// <summary>Echo payload sizes a drawn scenario picks from (all within Linux's 4 KiB receive limit with the descriptor).</summary>
    public static ReadOnlySpan<int> EchoSizes => [8, 61, 256, 1000, 2999];

    /// <summary>
    /// Draws a scenario from <paramref name="seed"/>: flat (x64 or ARM64) or nested (x64, 0 to 2 L2 guests), 1 to 4 VPs,
    /// a small workload (1 to 3 heartbeat rounds, 10 to 159 echo packets of 8 to 2999 bytes (some not a multiple of 8) over 4- to 16-page rings)
    /// and a drawn <see cref="FaultPlan"/>. Same seed, same scenario.
    /// </summary>
    /// <param name="seed">The seed.</param>
    public static FaultScenarioSpec Draw(ulong seed)
    {
        var random = new SplitMix64(seed);
        var nested = random.Next(2) == 0;
        var architecture = !nested && random.Next(4) == 0 ? HvArchitecture.Arm64 : HvArchitecture.X64;
        var vps = 1 + random.Next(4);
        int? l2Guests = nested ? random.Next(3) : null;
        var workload = new ChannelWorkload
        {
            HeartbeatRounds = 1 + random.Next(3),
            EchoPackets = 10 + random.Next(150),
            EchoPacketSize = EchoSizes[random.Next(EchoSizes.Length)],
            IcRingPages = 4,
            EchoRingPages = 4 + random.Next(13),
        };
        var machine = new MachineOptions
        {
            Topology = nested ? Topology.Nested : Topology.Flat,
            Architecture = architecture,
            VpCount = vps,
            L2Guests = l2Guests,
            MemorySize = 16UL << 20,
            Seed = random.Next(),
            Trace = false,
        };
        return new FaultScenarioSpec { Seed = seed, Machine = machine, Workload = workload, Plan = FaultPlan.Draw(random.Next(), workload) };
    }

    /// <summary>One line: the machine, the workload and the faults.</summary>
    public override string ToString()
    {
        var m = Machine;
        var machine = m.Topology == Topology.Nested
            ? $"nested, {m.VpCount} VP(s), {m.L2GuestCount} L2 guest(s)"
            : $"flat {(m.Architecture == HvArchitecture.Arm64 ? "arm64" : "x64")}, {m.VpCount} VP(s)";
        return $"seed {Seed}: {machine}, machine seed {m.Seed}; {Workload.HeartbeatRounds} heartbeats, {Workload.EchoPackets} echoes of " +
            $"{Workload.EchoPacketSize} B over {Workload.EchoRingPages}-page rings; {Plan}";
    }
}
