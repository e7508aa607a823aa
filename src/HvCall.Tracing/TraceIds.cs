namespace HvCall.Tracing;

/// <summary>
/// The process and thread numbers the simulated machines' exports use, the same in a KVM-format log and a Perfetto
/// timeline: one process per partition of a layer, one thread (a KVM vCPU task) per VP.
/// </summary>
/// <remarks>
/// A process is 1000 × (layer + 1) + partition id (L0's host 1001, the L1 VM 1002, L1's root 2001, an L2 guest
/// 2002 …); a VP's task is that number × 100 + the VP index (L1 root VP 1 = 200101). They fit the 7-wide pid
/// column of raw ftrace (trace-formats.md §1.1).
/// </remarks>
public static class TraceIds
{
    /// <summary>The process number of a track.</summary>
    /// <param name="track">The layer and partition.</param>
    public static int Process(TraceTrack track) => 1000 * (track.Layer + 1) + track.Partition;

    /// <summary>The task (thread) number of a VP of a track.</summary>
    /// <param name="track">The layer and partition.</param>
    /// <param name="vp">The VP index (below 100).</param>
    public static int Task(TraceTrack track, uint vp) => Process(track) * 100 + (int)vp;
}
