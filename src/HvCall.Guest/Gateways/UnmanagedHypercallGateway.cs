using HvCall.Abi;

namespace HvCall.Guest.Gateways;

/// <summary>
/// Executes hypercalls by calling a hypercall page (or a thunk in front of it) through an unmanaged
/// function pointer: the gateway for a managed kernel running on Hyper-V.
/// </summary>
/// <remarks>
/// <para>The entry has the C signature <c>uint64_t entry(uint64_t control, uint64_t input, uint64_t output)</c>
/// and returns the result value. Under the Microsoft x64 calling convention those arguments already
/// sit in RCX, RDX and R8, exactly the hypercall registers, so the TLFS hypercall page itself is a valid
/// entry (TLFS "Hypercall Interface": the guest CALLs the page). Under System V, and on ARM64
/// (where the thunk loads X0 = 0x46000001 and issues <c>HVC #0</c>), the entry is a small thunk.</para>
/// <para>Fast calls with more than 16 bytes go through the optional block entry,
/// <c>uint64_t block_entry(uint64_t control, uint64_t* block)</c>, whose thunk loads the fast block
/// (x64 RDX, R8, XMM0–5; ARM64 X2–X17) from <c>block</c>, executes, and stores the output back.</para>
/// </remarks>
public sealed unsafe class UnmanagedHypercallGateway : IHypercallInstruction
{
    private readonly delegate* unmanaged<ulong, ulong, ulong, ulong> _entry;
    private readonly delegate* unmanaged<ulong, ulong*, ulong> _blockEntry;

    /// <summary>Creates the gateway.</summary>
    /// <param name="architecture">The calling convention of the entries.</param>
    /// <param name="entry">The hypercall entry (control, input, output) → result.</param>
    /// <param name="blockEntry">The fast-block entry (control, block) → result, or null when unavailable.</param>
    public UnmanagedHypercallGateway(
        HvArchitecture architecture,
        delegate* unmanaged<ulong, ulong, ulong, ulong> entry,
        delegate* unmanaged<ulong, ulong*, ulong> blockEntry = null)
    {
        if (entry == null)
            throw new System.ArgumentNullException(nameof(entry));
        Architecture = architecture;
        _entry = entry;
        _blockEntry = blockEntry;
    }

    /// <inheritdoc/>
    public HvArchitecture Architecture { get; }

    /// <summary>True when fast calls go through the block entry (so extended fast input and output work).</summary>
    public bool HasBlockEntry => _blockEntry != null;

    /// <inheritdoc/>
    /// <remarks>Fast calls use the block entry when there is one; otherwise only RDX/R8 (X2/X3) reach the hypervisor.</remarks>
    public void Execute(ref HypercallRegisters registers)
    {
        var control = registers[HypercallRegisters.Control];
        if ((control & HypercallControl.FastBit) != 0 && _blockEntry != null)
        {
            fixed (ulong* block = &registers[HypercallRegisters.FastBlock])
                registers[HypercallRegisters.Result] = _blockEntry(control, block);
            return;
        }
        registers[HypercallRegisters.Result] = _entry(control, registers[HypercallRegisters.Input], registers[HypercallRegisters.Output]);
    }
}
