using System;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Processors;

namespace HvCall.Hypervisor.Dispatch;

/// <summary>
/// Decodes, validates and runs hypercalls: handlers are registered per code and the shape checks
/// derive from the catalog entry; input is copied out of guest memory (or the register block) and
/// output written back under the simple and rep rules; a rep call is time-sliced and continued.
/// </summary>
/// <remarks>
/// <para>Check order (the TLFS leaves it undefined; ACCESS_DENIED is preferred over revealing context):</para>
/// <list type="number">
/// <item>code the catalog does not know → INVALID_HYPERCALL_CODE (0x2)</item>
/// <item>missing partition privilege (the catalog entry's), or a caller other than the root partition for a
/// root-only call (HvCallSignalEventDirect, HvCallPostMessageDirect: no TLFS privilege bit, root only in
/// practice) → ACCESS_DENIED (0x6), also for a call the simulation does not implement: whether it is
/// implemented is context the caller may not see</item>
/// <item>code without handler → INVALID_HYPERCALL_CODE (0x2)</item>
/// <item>reserved control bits; rep count non-zero on a simple call or zero on a rep call; rep start ≥ rep
/// count; variable header on a non-variable call; fast flag on a call without a fast form; fast input or
/// output larger than the register block → INVALID_HYPERCALL_INPUT (0x3)</item>
/// <item>memory call: a GPA not 8-byte aligned, a parameter area crossing a page, outside guest memory,
/// or input and output overlapping → INVALID_ALIGNMENT (0x4)</item>
/// <item>the handler: field errors → INVALID_PARAMETER (0x5) and call-specific statuses</item>
/// </list>
/// <para>A simple call writes output only on success; a rep call writes the output elements of the reps
/// it completed, and nothing else.</para>
/// </remarks>
public sealed class HypercallDispatcher
{
    private readonly HypercallHandler?[] _handlers = new HypercallHandler?[HypercallCatalog.TableSize];
    private readonly byte[] _input = new byte[GuestMemory.PageSize];
    private readonly byte[] _output = new byte[GuestMemory.PageSize];
    private int _repsPerTimeSlice = 16;

    /// <summary>
    /// How many reps a rep call may complete before the dispatcher continues it (the TLFS's ~50 µs
    /// budget, counted in reps so that simulations are deterministic).
    /// </summary>
    public int RepsPerTimeSlice
    {
        get => _repsPerTimeSlice;
        set => _repsPerTimeSlice = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "At least one rep per time slice.");
    }

    /// <summary>Registers the handler of a code.</summary>
    /// <param name="code">A code the catalog knows, with its sizes claimed.</param>
    /// <param name="handler">The handler.</param>
    /// <exception cref="ArgumentException">The catalog has no sizes for the code, or it already has a handler.</exception>
    public void Register(HvCallCode code, HypercallHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (!HypercallCatalog.TryGet(code, out var info) || !info.SizesKnown)
            throw new ArgumentException($"Hypercall {code} has no sized catalog entry; the dispatcher derives its checks from one.", nameof(code));
        ref var slot = ref _handlers[HypercallCatalog.TableIndex(code)];
        if (slot is not null)
            throw new ArgumentException($"Hypercall {code} already has a handler.", nameof(code));
        slot = handler;
    }

    /// <summary>True when a handler is registered for <paramref name="code"/>.</summary>
    /// <param name="code">The code.</param>
    public bool IsRegistered(HvCallCode code) => Find(code) is not null;

    /// <summary>Runs one hypercall issued by <paramref name="caller"/>.</summary>
    /// <param name="caller">The calling VP.</param>
    /// <param name="frame">The frame; fast output is written into its block.</param>
    /// <param name="continueWith">For a continuation, the control word to re-execute.</param>
    /// <returns>The result; <paramref name="continueWith"/> is set when the call must continue.</returns>
    public HypercallResult Dispatch(VirtualProcessor caller, ref HypercallFrame frame, out HypercallControl? continueWith)
    {
        continueWith = null;
        frame.OutputStart = 0;
        frame.OutputLength = 0;
        var control = frame.Control;
        if (!HypercallCatalog.TryGet(control.Code, out var info))
            return new HypercallResult(HvStatus.InvalidHypercallCode);
        if (!caller.Partition.Has(info.RequiredPrivilege) || (info.RootPartitionOnly && !caller.Partition.IsRoot))
            return new HypercallResult(HvStatus.AccessDenied);
        if (Find(control.Code) is not { } handler)
            return new HypercallResult(HvStatus.InvalidHypercallCode);
        if (!ShapeIsValid(control, info))
            return new HypercallResult(HvStatus.InvalidHypercallInput);

        var repCount = control.RepCount;
        var inputLength = info.InputSize!.Value + control.VariableHeaderSize * 8 + info.InputElementSize * repCount;
        var outputLength = info.OutputSize!.Value + info.OutputElementSize * repCount;
        var input = _input.AsSpan(0, Math.Min(inputLength, _input.Length));
        var output = _output.AsSpan(0, Math.Min(outputLength, _output.Length));
        var memory = caller.Partition.Memory;

        if (control.IsFast)
        {
            var outputStart = ((inputLength + 15) & ~15) / 8;
            if (outputStart * 8 + outputLength > frame.Capacity * 8)
                return new HypercallResult(HvStatus.InvalidHypercallInput);
            HypercallFrame.BlockBytes(ref frame)[..inputLength].CopyTo(input);
            frame.OutputStart = outputStart;
        }
        else
        {
            var status = CheckArea(memory, frame.InputGpa, inputLength);
            if (status == HvStatus.Success)
                status = CheckArea(memory, frame.OutputGpa, outputLength);
            if (status == HvStatus.Success && Overlap(frame.InputGpa, inputLength, frame.OutputGpa, outputLength))
                status = HvStatus.InvalidAlignment;
            if (status != HvStatus.Success)
                return new HypercallResult(status);
            if (input.Length != 0 && !memory.TryRead(frame.InputGpa, input))
                return new HypercallResult(HvStatus.InvalidAlignment);
        }
        output.Clear();

        var repEnd = info.IsRep ? Math.Min(repCount, control.RepStart + _repsPerTimeSlice) : 0;
        var context = new HypercallContext(caller, info, control, input, output, repEnd);
        var result = handler(ref context);

        if (info.IsRep)
        {
            var completed = Math.Clamp(result.RepsCompleted, control.RepStart, repEnd);
            var elementSize = info.OutputElementSize;
            WriteOutput(ref frame, memory, output, control.RepStart * elementSize, (completed - control.RepStart) * elementSize);
            if (completed < repCount && result.Status is HvStatus.Success or HvStatus.Timeout)
                continueWith = control.WithRepStart(completed);
            return new HypercallResult(result.Status, completed);
        }
        if (result.Status == HvStatus.Success)
            WriteOutput(ref frame, memory, output, 0, outputLength);
        return new HypercallResult(result.Status);
    }

    private static bool ShapeIsValid(HypercallControl control, HypercallInfo info)
    {
        if (control.HasReservedBits)
            return false;
        if (info.IsRep ? control.RepCount == 0 || control.RepStart >= control.RepCount
                       : control.RepCount != 0 || control.RepStart != 0)
            return false;
        if (!info.IsVariable && control.VariableHeaderSize != 0)
            return false;
        return !control.IsFast || info.FastCapable;
    }

    private static HvStatus CheckArea(GuestMemory memory, ulong gpa, int length)
    {
        if (length == 0)
            return HvStatus.Success;
        if ((gpa & 7) != 0 || length > GuestMemory.PageSize - (int)(gpa % GuestMemory.PageSize) || !memory.Contains(gpa, length))
            return HvStatus.InvalidAlignment;
        return HvStatus.Success;
    }

    private static bool Overlap(ulong a, int aLength, ulong b, int bLength) =>
        aLength > 0 && bLength > 0 && a < b + (ulong)bLength && b < a + (ulong)aLength;

    private static void WriteOutput(ref HypercallFrame frame, GuestMemory memory, ReadOnlySpan<byte> output, int offset, int length)
    {
        if (length <= 0)
            return;
        if (frame.Control.IsFast)
        {
            output.Slice(offset, length).CopyTo(HypercallFrame.BlockBytes(ref frame)[(frame.OutputStart * 8 + offset)..]);
            var firstQword = frame.OutputStart + offset / 8;
            frame.OutputLength = (offset + length + 7) / 8 - offset / 8;
            frame.OutputStart = firstQword;
            return;
        }
        memory.TryWrite(frame.OutputGpa + (ulong)offset, output.Slice(offset, length));
    }

    private HypercallHandler? Find(HvCallCode code)
    {
        var index = HypercallCatalog.TableIndex(code);
        return index >= 0 ? _handlers[index] : null;
    }
}
