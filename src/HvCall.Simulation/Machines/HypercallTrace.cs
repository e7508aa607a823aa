using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Tracing;

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

/// <summary>
/// The hypercalls of a run, in completion order: a view of the machine's <see cref="TraceStream"/> that joins each
/// call's <see cref="TraceEventKind.HypercallIssued"/> with the <see cref="TraceEventKind.HypercallCompleted"/>
/// that ends it (a continued rep call executes several times and is one entry).
/// </summary>
public sealed class HypercallTrace : ITraceSink
{
    private readonly TraceStream _stream;
    private readonly List<HypercallTraceEntry> _entries = [];
    private readonly Dictionary<(TraceTrack Track, uint Vp), Open> _open = [];

    private readonly record struct Open(long Time, HypercallControl Control, int Executions);

    /// <summary>A view of <paramref name="stream"/>'s hypercalls; attach it to the stream to fill it.</summary>
    /// <param name="stream">The stream, which names the partitions and layers.</param>
    public HypercallTrace(TraceStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
    }

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

    /// <inheritdoc/>
    public void Write(in TraceEvent traceEvent)
    {
        var key = (traceEvent.Track, traceEvent.Vp);
        switch (traceEvent.Kind)
        {
            case TraceEventKind.HypercallIssued:
                // A continuation's re-execution keeps the time and control word the call was first issued with.
                _open[key] = _open.TryGetValue(key, out var running)
                    ? running with { Executions = running.Executions + 1 }
                    : new Open(traceEvent.Time, traceEvent.Control, 1);
                break;
            case TraceEventKind.HypercallCompleted when !traceEvent.Continues:
                _open.Remove(key, out var call);
                _entries.Add(new HypercallTraceEntry(call.Time, traceEvent.Vp, PartitionName(traceEvent.Track),
                    _stream.LayerName(traceEvent.HandlerLayer), call.Executions == 0 ? traceEvent.Control : call.Control, traceEvent.Result,
                    Math.Max(1, call.Executions)));
                break;
        }
    }

    private string PartitionName(TraceTrack track) =>
        _stream.TryDescribe(track, out var info) ? info.PartitionName : $"partition {track.Partition}";
}
