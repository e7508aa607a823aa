namespace HvCall.Abi.Catalog;

/// <summary>What HvCall knows of one hypercall: its shape, sizes, privilege and nested routing.</summary>
/// <remarks>
/// Sizes are in bytes and refer to the fixed input header, the fixed output, and the per-rep
/// elements. A size of <see langword="null"/> means HvCall neither issues nor handles the call and does
/// not claim its layout.
/// </remarks>
/// <param name="Code">The call code.</param>
/// <param name="Name">The TLFS name, such as <c>HvCallPostMessage</c>.</param>
/// <param name="Shape">Simple, rep, variable or variable rep.</param>
public sealed record HypercallInfo(HvCallCode Code, string Name, HypercallShape Shape)
{
    /// <summary>True when the call has a register-based (fast) form.</summary>
    public bool FastCapable { get; init; }
    /// <summary>Size of the fixed input header, or <see langword="null"/> when not claimed.</summary>
    public int? InputSize { get; init; }
    /// <summary>Size of the fixed output, or <see langword="null"/> when not claimed.</summary>
    public int? OutputSize { get; init; }
    /// <summary>Size of one input rep element (rep shapes only).</summary>
    public int InputElementSize { get; init; }
    /// <summary>Size of one output rep element (rep shapes only).</summary>
    public int OutputElementSize { get; init; }
    /// <summary>The partition privilege the caller must hold, or <see cref="HvPartitionPrivileges.None"/>.</summary>
    public HvPartitionPrivileges RequiredPrivilege { get; init; }
    /// <summary>
    /// True when only a root partition may issue the call; any other caller gets ACCESS_DENIED. The TLFS lists
    /// no privilege bit for such calls (HvCallSignalEventDirect, HvCallPostMessageDirect), but only a root
    /// partition issues them in practice (Linux gates them behind <c>/dev/mshv</c>; vmbus-datapath sheet §7).
    /// </summary>
    public bool RootPartitionOnly { get; init; }
    /// <summary>True when a nested root partition sends this call to the L0 hypervisor (TLFS "Nested Virtualization").</summary>
    public bool NestedWhenNestedRoot { get; init; }

    /// <summary>True for extended calls (0x8001 and above); they are never sent nested.</summary>
    public bool IsExtended => Code.IsExtended;
    /// <summary>True for rep and variable-rep calls.</summary>
    public bool IsRep => Shape is HypercallShape.Rep or HypercallShape.VariableRep;
    /// <summary>True for calls that accept a variable header.</summary>
    public bool IsVariable => Shape is HypercallShape.Variable or HypercallShape.VariableRep;
    /// <summary>True when the input and output sizes are claimed.</summary>
    public bool SizesKnown => InputSize is not null && OutputSize is not null;
}
