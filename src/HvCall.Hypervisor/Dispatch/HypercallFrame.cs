using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HvCall.Abi;

namespace HvCall.Hypervisor.Dispatch;

/// <summary>
/// A hypercall as the dispatcher sees it, independent of architecture: the control word and the
/// parameter block. Qword <c>i</c> of the block is x64 RDX, R8, XMM0.low … XMM5.high or ARM64 X(2+i);
/// for a memory call qwords 0 and 1 are the input and output GPAs.
/// </summary>
public struct HypercallFrame
{
    /// <summary>Capacity of the block in qwords (the ARM64 maximum).</summary>
    public const int MaxQwords = 16;

    /// <summary>The control word.</summary>
    public HypercallControl Control;

    /// <summary>The parameter block.</summary>
    public ParameterBlock Block;

    /// <summary>How many block qwords the architecture provides (14 on x64, 16 on ARM64).</summary>
    public int Capacity;

    /// <summary>First block qword written as fast output.</summary>
    public int OutputStart;

    /// <summary>Number of block qwords written as fast output.</summary>
    public int OutputLength;

    /// <summary>The input GPA of a memory call.</summary>
    public readonly ulong InputGpa => Block[0];

    /// <summary>The output GPA of a memory call.</summary>
    public readonly ulong OutputGpa => Block[1];

    /// <summary>The block as bytes.</summary>
    /// <param name="frame">The frame.</param>
    public static Span<byte> BlockBytes(ref HypercallFrame frame) =>
        MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref frame.Block[0], frame.Capacity));

    /// <summary>Sixteen qwords.</summary>
    [InlineArray(MaxQwords)]
    public struct ParameterBlock
    {
        private ulong _qword0;
    }
}

/// <summary>How a hypercall instruction ended.</summary>
public enum HypercallExitKind
{
    /// <summary>The call completed: the result register holds the result and the instruction pointer moved on.</summary>
    Completed,
    /// <summary>A rep call was cut short: the control register holds the new rep start and the instruction pointer
    /// stays on the instruction, so the processor executes it again (TLFS "Hypercall Continuation").</summary>
    Continue,
    /// <summary>The instruction faulted (#UD); see <see cref="Processors.VirtualProcessor.LastFault"/>.</summary>
    Fault,
}

/// <summary>The outcome of one execution of the hypercall instruction.</summary>
/// <param name="Kind">Completed, continued or faulted.</param>
/// <param name="Control">The control word as the VP issued it.</param>
/// <param name="Result">The result value (for a continuation, the progress so far).</param>
/// <param name="HandledBy">The name of the hypervisor that handled the call ("L0", "L1").</param>
public readonly record struct HypercallExit(HypercallExitKind Kind, HypercallControl Control, HypercallResult Result, string HandledBy);

/// <summary>Who issued a hypercall the dispatcher runs.</summary>
/// <remarks>TLFS "Nested Virtualization": a Microsoft hypervisor running in a VM hands its root's nested-bit calls to
/// its parent as calls of that VM; host-implementations.md §3 says how each L0 answers them.</remarks>
public enum HypercallOrigin
{
    /// <summary>A VP of one of this hypervisor's partitions executed the hypercall instruction.</summary>
    Caller,
    /// <summary>A child hypervisor forwarded its root's call, bit 31 as the root set it, on behalf of the VM it runs in.</summary>
    ChildHypervisor,
}
