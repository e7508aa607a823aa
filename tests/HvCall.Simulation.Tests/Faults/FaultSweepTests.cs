using System.Collections.Generic;
using System.Linq;
using HvCall.Simulation.Faults;
using HvCall.Simulation.Machines;
using Xunit;

namespace HvCall.Simulation.Tests.Faults;

/// <summary>
/// A seeded sweep: 400 drawn scenarios (flat x64 and ARM64, nested with 0-2 L2 guests, 1-4 VPs, every fault kind
/// mixed), each checked against <see cref="FaultInvariants"/>. faults/run.sh runs 10 000 of them in Release.
/// </summary>
public sealed class FaultSweepTests
{
    public const int Chunk = 100;

    public static TheoryData<int> Chunks() => new(0, 1, 2, 3);

    [Theory]
    [MemberData(nameof(Chunks))]
    public void EveryDrawnScenario_KeepsEveryInvariant(int chunk)
    {
        var failures = new List<string>();
        var total = new FaultActivity();
        var topologies = new HashSet<(Topology, HvCall.Abi.HvArchitecture, bool)>();
        for (var i = 0; i < Chunk; i++)
        {
            var seed = 1000UL + (ulong)(chunk * Chunk + i);
            var outcome = FaultScenario.Run(seed);
            total += outcome.Activity;
            topologies.Add((outcome.Spec.Machine.Topology, outcome.Spec.Machine.Architecture, outcome.Spec.Machine.L2GuestCount > 0));
            if (!outcome.Passed)
                failures.Add($"{outcome.Spec}\n  {string.Join("\n  ", outcome.Violations)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Every kind of fault happened in this chunk, on every kind of machine.
        Assert.Equal(4, topologies.Count);
        Assert.True(total.InsufficientBuffers > 0 && total.Timeouts > 0, total.ToString());
        Assert.True(total.RepliesDelayed > 0 && total.RepliesReordered > 0, total.ToString());
        Assert.True(total.Rescinds > 0 && total.EchoesLostToRescind > 0, total.ToString());
        Assert.True(total.SignalsLost > 0 && total.Polls > 0, total.ToString());
        Assert.True(total.EchoesReturned > 0 && total.EchoesReturned + total.EchoesLostToRescind == total.EchoesSent, total.ToString());
    }
}
