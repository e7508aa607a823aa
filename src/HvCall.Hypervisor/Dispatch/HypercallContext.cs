using System;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;

namespace HvCall.Hypervisor.Dispatch;

/// <summary>Handles one validated hypercall. Input is already copied out of the guest; output is written back by the dispatcher.</summary>
/// <param name="context">The call: caller, control word, input and output buffers, rep range.</param>
/// <returns>The status, and for rep calls the absolute number of reps completed (at most <see cref="HypercallContext.RepEnd"/>).</returns>
public delegate HypercallResult HypercallHandler(ref HypercallContext context);

/// <summary>What a handler sees of a hypercall.</summary>
public ref struct HypercallContext
{
    internal HypercallContext(VirtualProcessor caller, HypercallInfo info, HypercallControl control,
        ReadOnlySpan<byte> input, Span<byte> output, int repEnd, CodePlan plan)
    {
        Plan = plan;
        Caller = caller;
        Info = info;
        Control = control;
        Input = input;
        Output = output;
        RepEnd = repEnd;
    }

    /// <summary>The calling VP (for a forwarded nested call, the L1 VM's VP in the parent).</summary>
    public VirtualProcessor Caller { get; }

    /// <summary>The caller's partition.</summary>
    public readonly Partition Partition => Caller.Partition;

    /// <summary>The hypervisor handling the call.</summary>
    public readonly HvHypervisor Hypervisor => Caller.Partition.Hypervisor;

    /// <summary>The host rules the handler follows (the profile's, or its VMM's after a hand-off).</summary>
    internal CodePlan Plan { get; }

    /// <summary>The host profile whose rules the handler follows: the hypervisor's, or its VMM's after a hand-off.</summary>
    public readonly Profiles.HostProfile Host => Plan.Owner.Profile;

    /// <summary>The catalog entry of the call.</summary>
    public HypercallInfo Info { get; }

    /// <summary>The control word.</summary>
    public HypercallControl Control { get; }

    /// <summary>The whole input: fixed header, variable header, then every rep element.</summary>
    public ReadOnlySpan<byte> Input { get; }

    /// <summary>The whole output: the fixed output, or every rep element.</summary>
    public Span<byte> Output { get; }

    /// <summary>The first rep to process.</summary>
    public readonly int RepStart => Control.RepStart;

    /// <summary>One past the last rep to process in this time slice.</summary>
    public int RepEnd { get; }

    /// <summary>Size of the fixed plus variable header.</summary>
    public readonly int HeaderSize => Info.InputSize!.Value + Control.VariableHeaderSize * 8;

    /// <summary>Input rep element <paramref name="index"/>.</summary>
    /// <param name="index">The rep index.</param>
    public readonly ReadOnlySpan<byte> InputElement(int index) =>
        Input.Slice(HeaderSize + index * Info.InputElementSize, Info.InputElementSize);

    /// <summary>Output rep element <paramref name="index"/>.</summary>
    /// <param name="index">The rep index.</param>
    public readonly Span<byte> OutputElement(int index) =>
        Output.Slice(index * Info.OutputElementSize, Info.OutputElementSize);

    /// <summary>A failure result for a simple call.</summary>
    /// <param name="status">The status.</param>
    public static HypercallResult Fail(HvStatus status) => new(status);
}
