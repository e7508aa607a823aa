using System;
using System.Collections.Generic;

namespace HvCall.Tracing;

/// <summary>
/// The one event stream of a simulated machine: its hypervisors, SynICs and VMBus endpoints emit into it, and
/// sinks (the hypercall table, a KVM-format log, a Perfetto timeline) listen.
/// </summary>
/// <remarks>
/// Emitters test <see cref="IsListening"/> before building an event, so a stream no one listens to costs one
/// field load and branch per would-be event. Events are values handed to each sink by reference: nothing is
/// allocated per event. The stream is driven from the simulation's one thread.
/// </remarks>
public sealed class TraceStream
{
    private ITraceSink[] _sinks = [];
    private readonly Dictionary<TraceTrack, TraceTrackInfo> _tracks = [];
    private readonly List<TraceTrack> _trackOrder = [];

    /// <summary>A stream stamped by <paramref name="clock"/>, or with time 0 when it is null.</summary>
    /// <param name="clock">The virtual clock.</param>
    public TraceStream(ITraceClock? clock = null) => Clock = clock;

    /// <summary>The clock events are stamped with, or null (time 0).</summary>
    public ITraceClock? Clock { get; set; }

    /// <summary>At least one sink listens.</summary>
    public bool IsListening { get; private set; }

    /// <summary>The partitions events name, in the order they were described.</summary>
    public IReadOnlyList<TraceTrack> Tracks => _trackOrder;

    /// <summary>Adds a sink.</summary>
    /// <param name="sink">The sink.</param>
    public void Attach(ITraceSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sinks = [.. _sinks, sink];
        IsListening = true;
    }

    /// <summary>Removes a sink; the stream stops listening when it was the last.</summary>
    /// <param name="sink">The sink.</param>
    public void Detach(ITraceSink sink)
    {
        _sinks = Array.FindAll(_sinks, s => !ReferenceEquals(s, sink));
        IsListening = _sinks.Length > 0;
    }

    /// <summary>Names a partition of a layer (done once, when it is created or the stream attached).</summary>
    /// <param name="track">The layer and partition id.</param>
    /// <param name="info">Its names.</param>
    public void Describe(TraceTrack track, TraceTrackInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (!_tracks.ContainsKey(track))
            _trackOrder.Add(track);
        _tracks[track] = info;
    }

    /// <summary>What a track is, when described.</summary>
    /// <param name="track">The track.</param>
    /// <param name="info">Its names.</param>
    public bool TryDescribe(TraceTrack track, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TraceTrackInfo? info) =>
        _tracks.TryGetValue(track, out info);

    /// <summary>The name of a layer's hypervisor ("L0", "L1"), from the tracks described; "L&lt;n&gt;" when none is.</summary>
    /// <param name="layer">The layer.</param>
    public string LayerName(byte layer)
    {
        foreach (var track in _trackOrder)
        {
            if (track.Layer == layer)
                return _tracks[track].LayerName;
        }
        return $"L{layer}";
    }

    /// <summary>Stamps an event with the clock's time and hands it to every sink.</summary>
    /// <param name="kind">What happened.</param>
    /// <param name="track">Where.</param>
    /// <param name="vp">On which VP.</param>
    /// <param name="word0">First word (see <see cref="TraceEventKind"/>).</param>
    /// <param name="word1">Second word.</param>
    /// <param name="word2">Third word.</param>
    /// <param name="word3">Fourth word.</param>
    public void Emit(TraceEventKind kind, TraceTrack track, uint vp, ulong word0, ulong word1 = 0, ulong word2 = 0, ulong word3 = 0)
    {
        var traceEvent = new TraceEvent(Clock?.Now ?? 0, kind, track.Layer, track.Partition, vp, word0, word1, word2, word3);
        foreach (var sink in _sinks)
            sink.Write(in traceEvent);
    }
}
