using System.Runtime.InteropServices;
using HvCall.Abi;

namespace HvCall.Tracing;

/// <summary>
/// One thing a simulated machine did, as a fixed-size value: when, which kind, where (layer, partition, VP), and
/// four 64-bit words whose meaning the <see cref="TraceEventKind"/> documents. Events are passed by reference and
/// never boxed, so recording allocates nothing.
/// </summary>
/// <param name="Time">Virtual time in nanoseconds.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Layer">The hypervisor layer: 0 for the one on hardware (L0), 1 for a hypervisor in its VM (L1).</param>
/// <param name="Partition">The partition's id within that layer (see <see cref="TraceStream.Tracks"/> for its name).</param>
/// <param name="Vp">The VP index.</param>
/// <param name="Word0">First word (see the kind).</param>
/// <param name="Word1">Second word.</param>
/// <param name="Word2">Third word.</param>
/// <param name="Word3">Fourth word.</param>
[StructLayout(LayoutKind.Auto)]
public readonly record struct TraceEvent(
    long Time, TraceEventKind Kind, byte Layer, ushort Partition, uint Vp,
    ulong Word0, ulong Word1 = 0, ulong Word2 = 0, ulong Word3 = 0)
{
    /// <summary>The control word of a hypercall event.</summary>
    public HypercallControl Control => new(Word0);

    /// <summary>The result word of <see cref="TraceEventKind.HypercallCompleted"/>.</summary>
    public HypercallResult Result => new(Word1);

    /// <summary>For <see cref="TraceEventKind.HypercallCompleted"/>: the rep call continues.</summary>
    public bool Continues => Word2 != 0;

    /// <summary>For MSR events: the MSR number as issued.</summary>
    public uint Msr => (uint)Word0;

    /// <summary>For MSR events: the value read or written.</summary>
    public ulong MsrValue => Word1;

    /// <summary>For MSR events: the MSR number the handler saw (differs from <see cref="Msr"/> for a nested SynIC MSR).</summary>
    public uint RoutedMsr => (uint)Word2;

    /// <summary>For MSR events: the access raised #GP.</summary>
    public bool Faulted => (Word3 & 1) != 0;

    /// <summary>For <see cref="TraceEventKind.HypercallCompleted"/> and MSR events: the layer of the hypervisor that
    /// handled the access (a nested call or nested MSR of a nested root is handled by the parent).</summary>
    public byte HandlerLayer => Kind == TraceEventKind.HypercallCompleted ? (byte)Word3 : (byte)(Word3 >> 8);

    /// <summary>For SynIC events: the SINT.</summary>
    public int Sint => (int)Word0;

    /// <summary>The partition's key in <see cref="TraceStream.Tracks"/>.</summary>
    public TraceTrack Track => new(Layer, Partition);
}
