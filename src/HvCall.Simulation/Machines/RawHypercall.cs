using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Guest;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;

namespace HvCall.Simulation.Machines;

/// <summary>Which partition of a machine issues a raw hypercall.</summary>
public enum RawCaller
{
    /// <summary>The flat machine's guest partition, or the nested machine's root (L1's root partition).</summary>
    Default,
    /// <summary>A guest partition: the flat machine's guest, or on the nested machine a fresh guest partition of L1 ("l1-guest").</summary>
    Guest,
    /// <summary>A root partition: L0's root ("host", x64) on the flat machine, L1's root on the nested machine.</summary>
    Root,
}

/// <summary>One raw hypercall: the control word, the input bytes and the registers that carry them.</summary>
/// <param name="Control">The control word (RCX / X1), as issued.</param>
public sealed record RawCallRequest(HypercallControl Control)
{
    /// <summary>Input bytes, placed in the caller's input page (VP 0's) at <see cref="InputOffset"/>.</summary>
    public byte[] Input { get; init; } = [];

    /// <summary>Byte offset of <see cref="Input"/> in the input page (0 to 4095). Input past the page's end runs on into the
    /// output page (a conformance case does that on purpose to cross a page); <c>hvcall call</c> refuses it.</summary>
    public int InputOffset { get; init; }

    /// <summary>RDX (X2) as given: the input GPA, or fast input qword 0; null for the input's GPA (or 0 without input).</summary>
    public ulong? Rdx { get; init; }

    /// <summary>R8 (X3) as given: the output GPA, or fast input qword 1; null for the output page (memory call) or 0 (fast).</summary>
    public ulong? R8 { get; init; }

    /// <summary>Bytes of the output page returned in <see cref="RawCallOutcome.Output"/>.</summary>
    public int OutputLength { get; init; } = 16;
}

/// <summary>How a raw hypercall ended.</summary>
/// <param name="Result">The result value (default when the instruction faulted).</param>
/// <param name="HandledBy">The layer that handled it ("L0", "L1"); the caller's hypervisor when it faulted.</param>
/// <param name="Executions">How many times the instruction executed (more than one for a continued rep call).</param>
/// <param name="Fault">The fault the instruction raised (#UD), or <see cref="VpFault.None"/>.</param>
/// <param name="Output">The first bytes of the caller's output page after the call.</param>
public sealed record RawCallOutcome(HypercallResult Result, string HandledBy, int Executions, VpFault Fault, byte[] Output)
{
    /// <summary>The status, bits 15:0 of the result.</summary>
    public HvStatus Status => Result.Status;

    /// <summary>
    /// The output the call wrote, as it stands after the call: for a simple call that succeeded, its catalog output
    /// size; for a rep call, the elements of the reps it completed (from the rep start on, across continuations); empty
    /// otherwise (a failed simple call writes none, an unknown code has no size). A memory call's output is read at the
    /// output GPA (R8 / X3) plus <see cref="WrittenOffset"/>; a fast call's is the register block's output qwords.
    /// </summary>
    /// <remarks>The TLFS output rules (hyperv-abi.md §6): simple calls write output only on success, rep calls the
    /// output of the reps completed.</remarks>
    public byte[] Written { get; init; } = [];

    /// <summary>Byte offset of <see cref="Written"/> in the call's output area: rep start × output element size for a
    /// rep call, 0 otherwise.</summary>
    public int WrittenOffset { get; init; }

    /// <summary>True when <see cref="Written"/> came back in registers (a fast call), false when in guest memory.</summary>
    public bool WrittenToRegisters { get; init; }

    /// <summary>The output GPA the call was issued with (R8 / X3): the output page, or <see cref="RawCallRequest.R8"/>; for a
    /// fast call, fast input qword 1 instead.</summary>
    public ulong OutputGpa { get; init; }
}

/// <summary>
/// One raw hypercall on a machine, as <c>hvcall call</c> issues it: VP 0 of the chosen partition (identified to its
/// hypervisor first, so the call reaches the dispatcher) executes the register block and re-executes a continued rep
/// call. With <see cref="MachineOptions.L0Profile"/> the same call runs against any host profile, which is what a
/// conformance case needs: a control word and input in, the status and the layer that answered out.
/// </summary>
/// <remarks>Register conventions: hyperv-abi.md §5; the guest layout: <see cref="GuestLayout"/> (VP 0's input page, the
/// output page after it).</remarks>
public static class RawHypercall
{
    /// <summary>Builds a fresh machine from <paramref name="options"/> and issues one call from <paramref name="caller"/>.</summary>
    /// <param name="options">The machine (topology, architecture, L0 profile, …).</param>
    /// <param name="request">The call.</param>
    /// <param name="caller">Who issues it.</param>
    /// <exception cref="ArgumentException">The options cannot make a machine, or the caller does not exist on it.</exception>
    public static RawCallOutcome Issue(MachineOptions options, RawCallRequest request, RawCaller caller = RawCaller.Default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var machine = Machine.Build(options);
        if (!TryGetCaller(machine, caller, out var partition, out var error))
            throw new ArgumentException(error, nameof(caller));
        return Issue(partition, request);
    }

    /// <summary>The partition that issues calls for <paramref name="caller"/> on <paramref name="machine"/>.</summary>
    /// <param name="machine">The machine.</param>
    /// <param name="caller">Who.</param>
    /// <param name="partition">The partition (on the nested machine, <see cref="RawCaller.Guest"/> creates "l1-guest" on L1).</param>
    /// <param name="error">A one-line reason when there is none.</param>
    public static bool TryGetCaller(Machine machine, RawCaller caller, [NotNullWhen(true)] out Partition? partition, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(machine);
        error = null;
        partition = null;
        if (machine.Options.Topology == Topology.Flat)
        {
            if (caller != RawCaller.Root)
            {
                partition = machine.Guest;
                return true;
            }
            if (machine.Options.Architecture != HvArchitecture.X64)
            {
                error = "The L0 root partition is x64; use --caller guest for an ARM64 caller.";
                return false;
            }
            partition = machine.Host;
            return true;
        }
        partition = caller == RawCaller.Guest
            ? machine.L1!.CreatePartition(new PartitionConfiguration("l1-guest", HvArchitecture.X64, 1, machine.Options.MemorySize, PartitionConfiguration.GuestDefault))
            : machine.Guest;
        return true;
    }

    /// <summary>Issues one call from VP 0 of <paramref name="partition"/>, which identifies itself first (guest OS id set).</summary>
    /// <param name="partition">The calling partition.</param>
    /// <param name="request">The call.</param>
    /// <exception cref="ArgumentOutOfRangeException">The input offset is not 0 to 4095 (API misuse).</exception>
    public static RawCallOutcome Issue(Partition partition, RawCallRequest request)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.InputOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.InputOffset, PageSize - 1);
        partition.GuestOsId = GuestLayout.LinuxGuestOsId;
        partition.TryGetVp(0, out var vp);
        var inputPage = GuestLayout.InputPage(0);
        var outputPage = inputPage + 0x1000;
        partition.Memory.TryWrite(inputPage + (ulong)request.InputOffset, request.Input);

        var registers = default(HypercallRegisters);
        registers[HypercallRegisters.Result] = vp!.Architecture == HvArchitecture.Arm64 ? Hypercalls.Arm64FunctionId : 0;
        registers[HypercallRegisters.Control] = request.Control.Value;
        registers[HypercallRegisters.Input] = request.Rdx ?? (request.Input.Length > 0 ? inputPage + (ulong)request.InputOffset : 0);
        registers[HypercallRegisters.Output] = request.R8 ?? (request.Control.IsFast ? 0 : outputPage);
        var processor = new SimulatedProcessor(vp);
        var outputGpa = registers[HypercallRegisters.Output];
        var output = new byte[Math.Max(0, request.OutputLength)];
        try
        {
            processor.Execute(ref registers);
        }
        catch (HvGuestException)
        {
            return new RawCallOutcome(default, partition.Hypervisor.Name, 1, vp.LastFault, output);
        }
        partition.Memory.TryRead(outputPage, output);
        var exit = processor.LastExit;
        var (offset, length) = WrittenArea(request.Control, exit.Result);
        var written = new byte[length];
        if (request.Control.IsFast)
            ReadFastOutput(ref registers, request.Control, offset, written);
        else if (length > 0 && !partition.Memory.TryRead(outputGpa + (ulong)offset, written))
            written = [];
        return new RawCallOutcome(exit.Result, exit.HandledBy, processor.LastExecutions, VpFault.None, output)
        {
            Written = written,
            WrittenOffset = offset,
            WrittenToRegisters = request.Control.IsFast,
            OutputGpa = outputGpa,
        };
    }

    /// <summary>Bytes in the input page (VP 0's, one 4 KiB page, followed by the output page).</summary>
    public const int PageSize = 4096;

    // Where in the output area the call wrote, by the catalog's sizes and the TLFS output rules.
    private static (int Offset, int Length) WrittenArea(HypercallControl control, HypercallResult result)
    {
        if (!HypercallCatalog.TryGet(control.Code, out var info) || !info.SizesKnown)
            return (0, 0);
        if (info.IsRep)
        {
            var start = control.RepStart;
            var completed = Math.Min(result.RepsCompleted, control.RepCount);
            return completed > start ? (start * info.OutputElementSize, (completed - start) * info.OutputElementSize) : (0, 0);
        }
        return result.Status == HvStatus.Success ? (0, info.OutputSize!.Value) : (0, 0);
    }

    // A fast call's output qwords follow its input in the register block, from the next 16-byte boundary (hyperv-abi.md §5).
    private static void ReadFastOutput(ref HypercallRegisters registers, HypercallControl control, int offset, Span<byte> written)
    {
        if (written.IsEmpty || !HypercallCatalog.TryGet(control.Code, out var info) || !info.SizesKnown)
            return;
        var inputLength = info.InputSize!.Value + control.VariableHeaderSize * 8 + info.InputElementSize * control.RepCount;
        var start = ((inputLength + 15) & ~15) + offset;
        var block = MemoryMarshal.AsBytes(HypercallRegisters.AsSpan(ref registers)[HypercallRegisters.FastBlock..]);
        if (start + written.Length <= block.Length)
            block.Slice(start, written.Length).CopyTo(written);
    }
}
