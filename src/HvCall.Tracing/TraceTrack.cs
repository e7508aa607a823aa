namespace HvCall.Tracing;

/// <summary>A partition of one hypervisor layer: where events happen.</summary>
/// <param name="Layer">0 for L0, 1 for L1.</param>
/// <param name="Partition">The partition's id within its layer.</param>
public readonly record struct TraceTrack(byte Layer, ushort Partition);

/// <summary>What a <see cref="TraceTrack"/> is called and is.</summary>
/// <param name="LayerName">The hypervisor's name ("L0", "L1").</param>
/// <param name="PartitionName">The partition's name ("root", "guest", "l2-guest-0", "l1-vm").</param>
/// <param name="IsRoot">The root partition of its layer.</param>
/// <param name="VpCount">Its VPs.</param>
/// <param name="RunsOn">For the root partition of a nested hypervisor: the parent's partition whose VP n runs this
/// partition's VP n (the VM the hypervisor runs in), where its nested calls and nested SynIC MSRs are handled; else null.</param>
public sealed record TraceTrackInfo(string LayerName, string PartitionName, bool IsRoot, int VpCount, TraceTrack? RunsOn = null);
