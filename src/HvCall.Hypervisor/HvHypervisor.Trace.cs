using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Tracing;

namespace HvCall.Hypervisor;

public sealed partial class HvHypervisor
{
    private TraceStream? _trace;

    /// <summary>
    /// The event stream this hypervisor emits into (hypercalls, forwarding, synthetic MSRs, SynIC deliveries,
    /// event flags, interrupts), or null. Setting it names every partition of this layer in the stream.
    /// </summary>
    /// <remarks>Emission costs one field load and branch per would-be event while no sink listens.</remarks>
    public TraceStream? Trace
    {
        get => _trace;
        set
        {
            _trace = value;
            if (value is null)
                return;
            foreach (var partition in _partitions)
                DescribeTo(value, partition);
        }
    }

    /// <summary>This hypervisor's layer in traces: 0 on hardware, its parent's plus one when nested.</summary>
    public byte Layer { get; }

    /// <summary>The stream, when someone listens to it; else null.</summary>
    internal TraceStream? Listening => _trace is { IsListening: true } trace ? trace : null;

    /// <summary>The trace track of one of this hypervisor's partitions: its layer and the partition's id.</summary>
    /// <param name="partition">A partition of this hypervisor.</param>
    public TraceTrack TrackOf(Partition partition)
    {
        System.ArgumentNullException.ThrowIfNull(partition);
        return new(Layer, (ushort)partition.Id);
    }

    private void DescribeTo(TraceStream trace, Partition partition) =>
        trace.Describe(TrackOf(partition), new TraceTrackInfo(Name, partition.Name, partition.IsRoot, partition.VirtualProcessors.Count,
            partition.IsRoot && HostPartition is not null ? Parent!.TrackOf(HostPartition) : null));

    // A nested SynIC MSR of a nested root (routed) is handled by the parent as its plain counterpart.
    private void TraceMsr(TraceEventKind kind, VirtualProcessor vp, uint msr, ulong value, VpFault fault, bool routed)
    {
        if (Listening is not { } trace)
            return;
        var handler = routed ? Parent!.Layer : Layer;
        var handledMsr = routed ? msr - Abi.Registers.HvX64Msr.NestedOffset : msr;
        trace.Emit(kind, TrackOf(vp.Partition), vp.Index, msr, value, handledMsr, (fault == VpFault.None ? 0UL : 1UL) | (ulong)handler << 8);
    }
}
