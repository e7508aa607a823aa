using System.Collections.Generic;
using HvCall.Abi;

namespace HvCall.Simulation.Machines;

/// <summary>One hypercall as the guest issued it and as it ended.</summary>
/// <param name="Time">Virtual time in nanoseconds when it was issued.</param>
/// <param name="Vp">The issuing VP index.</param>
/// <param name="Partition">The issuing partition's name ("guest", "root", "l2-guest-0", …).</param>
/// <param name="HandledBy">The layer that handled it ("L0", "L1").</param>
/// <param name="Control">The control word as issued (nested bit included).</param>
/// <param name="Result">The final result.</param>
/// <param name="Executions">How many times the instruction executed (more than one for a continued rep call).</param>
public readonly record struct HypercallTraceEntry(long Time, uint Vp, string Partition, string HandledBy, HypercallControl Control, HypercallResult Result, int Executions);

/// <summary>The hypercalls of a run, in issue order.</summary>
public sealed class HypercallTrace
{
    private readonly List<HypercallTraceEntry> _entries = [];

    /// <summary>The entries.</summary>
    public IReadOnlyList<HypercallTraceEntry> Entries => _entries;

    /// <summary>Entries whose status is not SUCCESS.</summary>
    public int Failures
    {
        get
        {
            var failures = 0;
            foreach (var entry in _entries)
            {
                if (!entry.Result.IsSuccess)
                    failures++;
            }
            return failures;
        }
    }

    internal void Add(HypercallTraceEntry entry) => _entries.Add(entry);
}
