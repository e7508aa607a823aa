using System;
using HvCall.Abi;
using HvCall.Abi.Cpuid;
using HvCall.Guest;
using HvCall.Hypervisor;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Processors;
using HvCall.Simulation.Scheduling;

namespace HvCall.Simulation.Machines;

/// <summary>
/// The processor guest code runs on in a simulation: it executes the guest's hypercall, MSR and CPUID
/// instructions on a simulated virtual processor. Guest and hypervisor meet only here, at the VP's
/// register file, as they meet at VMCALL/HVC on real hardware.
/// </summary>
/// <remarks>
/// A hypercall loads the guest's register block into the VP's registers, traps to the VP's hypervisor,
/// and re-executes while the hypervisor continues a rep call (instruction pointer left on the
/// instruction), as a real processor would; then the result and output registers go back to the guest.
/// </remarks>
public sealed class SimulatedProcessor : IHypercallInstruction, IMsrInstructions, ICpuidInstruction
{
    private readonly VirtualProcessor _vp;
    private readonly HvHypervisor _hypervisor;
    private readonly VirtualClock? _clock;

    /// <summary>Runs guest code on <paramref name="vp"/>.</summary>
    /// <param name="vp">The virtual processor.</param>
    /// <param name="clock">The virtual clock, advanced by <see cref="HypercallCostNs"/> per execution; null for none.</param>
    /// <remarks>What the hypercalls do is recorded by the hypervisors into their trace stream (<see cref="HvHypervisor.Trace"/>).</remarks>
    public SimulatedProcessor(VirtualProcessor vp, VirtualClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(vp);
        _vp = vp;
        _hypervisor = vp.Partition.Hypervisor;
        _clock = clock;
    }

    /// <summary>Virtual nanoseconds one execution of the hypercall instruction takes.</summary>
    public const long HypercallCostNs = 100;

    /// <summary>The virtual processor.</summary>
    public VirtualProcessor VirtualProcessor => _vp;

    /// <summary>
    /// Virtual time in nanoseconds as guest code on this processor reads it (its time source, the role the TSC or the
    /// reference counter plays for <c>udelay</c>); 0 when the processor has no clock.
    /// </summary>
    public long Now => _clock?.Now ?? 0;

    /// <summary>How the last hypercall ended: the layer that handled it, its result.</summary>
    public HypercallExit LastExit { get; private set; }

    /// <summary>How many times the last hypercall's instruction executed (more than one for a continued rep call).</summary>
    public int LastExecutions { get; private set; }

    /// <inheritdoc/>
    public HvArchitecture Architecture => _vp.Architecture;

    /// <inheritdoc/>
    /// <exception cref="HvGuestException">The instruction faulted (#UD): the guest issued a hypercall it may not yet.</exception>
    public void Execute(ref HypercallRegisters registers)
    {
        var block = HypercallRegisters.AsSpan(ref registers);
        Load(block);
        var issued = new HypercallControl(registers[HypercallRegisters.Control]);
        HypercallExit exit;
        var executions = 0;
        do
        {
            exit = _hypervisor.ExecuteHypercall(_vp);
            executions++;
            _clock?.Advance(HypercallCostNs);
        }
        while (exit.Kind == HypercallExitKind.Continue);
        LastExit = exit;
        LastExecutions = executions;
        if (exit.Kind == HypercallExitKind.Fault)
            throw new HvGuestException($"{_vp}: hypercall {issued.Code} raised {_vp.LastFault} (the guest OS id is not set).");
        Store(block);
    }

    /// <inheritdoc/>
    public bool TryRead(uint msr, out ulong value) => _hypervisor.ReadMsr(_vp, msr, out value) == VpFault.None;

    /// <inheritdoc/>
    public bool TryWrite(uint msr, ulong value) => _hypervisor.WriteMsr(_vp, msr, value) == VpFault.None;

    /// <inheritdoc/>
    public CpuidResult Query(uint leaf, uint subleaf = 0) => _hypervisor.Cpuid(_vp, leaf, subleaf);

    private void Load(ReadOnlySpan<ulong> block)
    {
        if (_vp.Architecture == HvArchitecture.X64)
        {
            _vp.X64.Rcx = block[HypercallRegisters.Control];
            _vp.X64.WriteFastBlock(block[HypercallRegisters.FastBlock..]);
            return;
        }
        block.CopyTo(_vp.Arm64.X);
    }

    private void Store(Span<ulong> block)
    {
        if (_vp.Architecture == HvArchitecture.X64)
        {
            block[HypercallRegisters.Result] = _vp.X64.Rax;
            block[HypercallRegisters.Control] = _vp.X64.Rcx;
            _vp.X64.ReadFastBlock(block[HypercallRegisters.FastBlock..]);
            return;
        }
        ((ReadOnlySpan<ulong>)_vp.Arm64.X).CopyTo(block);
    }
}
