using System;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Profiles;

namespace HvCall.Hypervisor.Dispatch;

/// <summary>
/// Decodes, validates and runs hypercalls as its host <see cref="Profile"/> answers them: handlers are registered per
/// code; the checks, their order and their statuses are the profile's data; input is copied out of guest memory (or the
/// register block) and output written back under the simple and rep rules; a rep call is time-sliced and continued
/// where the host does that.
/// </summary>
/// <remarks>
/// <para>The default profile, <see cref="HostProfiles.Hyperv"/>, checks in this order (the TLFS leaves it undefined;
/// ACCESS_DENIED is preferred over revealing context):</para>
/// <list type="number">
/// <item>the nested bit on a call no child hypervisor forwarded → INVALID_HYPERCALL_INPUT (0x3)</item>
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
/// <para>Other profiles list other checks in other orders (<see cref="HostProfile.Checks"/>, host-implementations.md
/// §1.9, §4.2, §7). A simple call writes output only on success; a rep call writes the output elements of the reps it
/// completed, and nothing else.</para>
/// </remarks>
public sealed partial class HypercallDispatcher
{
    private readonly HypercallHandler?[] _handlers = new HypercallHandler?[HypercallCatalog.TableSize];
    private byte[] _input = new byte[GuestMemory.PageSize];
    private byte[] _output = new byte[GuestMemory.PageSize];
    private int _repsPerTimeSlice = 16;
    private HostPlan _plan = HostPlan.Of(HostProfiles.Hyperv);

    /// <summary>
    /// How many reps a rep call may complete before the dispatcher continues it (the TLFS's ~50 µs
    /// budget, counted in reps so that simulations are deterministic).
    /// </summary>
    public int RepsPerTimeSlice
    {
        get => _repsPerTimeSlice;
        set => _repsPerTimeSlice = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "At least one rep per time slice.");
    }

    /// <summary>The host this dispatcher answers as (default <see cref="HostProfiles.Hyperv"/>).</summary>
    /// <exception cref="ArgumentException">The profile's data cannot drive a dispatcher (<see cref="HostProfile.ThrowIfInconsistent"/>).</exception>
    public HostProfile Profile
    {
        get => _plan.Profile;
        set => _plan = HostPlan.Of(value);
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

    /// <summary>Runs one hypercall issued by <paramref name="caller"/> on this hypervisor.</summary>
    /// <param name="caller">The calling VP.</param>
    /// <param name="frame">The frame; fast output is written into its block.</param>
    /// <param name="continueWith">For a continuation, the control word to re-execute.</param>
    /// <returns>The result; <paramref name="continueWith"/> is set when the call must continue.</returns>
    public HypercallResult Dispatch(VirtualProcessor caller, ref HypercallFrame frame, out HypercallControl? continueWith) =>
        Dispatch(caller, ref frame, HypercallOrigin.Caller, out continueWith);

    /// <summary>Runs one hypercall, issued by <paramref name="caller"/> or forwarded on its behalf by a child hypervisor.</summary>
    /// <param name="caller">The calling VP (for a forwarded call, the VP of the VM the child hypervisor runs in).</param>
    /// <param name="frame">The frame, its control word as issued (bit 31 included); fast output is written into its block.</param>
    /// <param name="origin">Whether a child hypervisor forwarded it: then the profile's <see cref="HostProfile.ForwardedNestedBit"/>
    /// decides what bit 31 means.</param>
    /// <param name="continueWith">For a continuation, the control word to re-execute (as dispatched).</param>
    /// <returns>The result; <paramref name="continueWith"/> is set when the call must continue.</returns>
    public HypercallResult Dispatch(VirtualProcessor caller, ref HypercallFrame frame, HypercallOrigin origin, out HypercallControl? continueWith)
    {
        ArgumentNullException.ThrowIfNull(caller);
        continueWith = null;
        frame.OutputStart = 0;
        frame.OutputLength = 0;
        if (origin == HypercallOrigin.ChildHypervisor)
            frame.Control = _plan.Profile.AdmitForwarded(frame.Control);
        var control = frame.Control;
        var plan = _plan.For(control.Code);
        var info = plan.Info;
        var handler = Find(control.Code);
        var status = (control.Value & plan.CleanMask) == 0 && CleanChecksPass(caller, ref frame, info, handler, plan)
            ? HvStatus.Success
            : RunChecks(caller, ref frame, info, handler, origin, ref plan);
        if (status != HvStatus.Success)
            return new HypercallResult(status);
        if (info is null || handler is null || !info.SizesKnown)
            return new HypercallResult(plan.UnknownCode);

        var repCount = control.RepCount;
        var (inputLength, outputLength) = Lengths(info, control);
        var input = Sized(ref _input, inputLength);
        var output = Sized(ref _output, outputLength);
        var memory = caller.Partition.Memory;

        if (control.IsFast)
        {
            var outputStart = ((inputLength + 15) & ~15) / 8;
            if (outputStart * 8 + outputLength > frame.Capacity * 8)
                return new HypercallResult(plan.FastTooLarge);
            HypercallFrame.BlockBytes(ref frame)[..inputLength].CopyTo(input);
            frame.OutputStart = outputStart;
        }
        else if (input.Length != 0 && !memory.TryRead(frame.InputGpa, input))
        {
            return new HypercallResult(plan.Memory.OutsideRamStatus);
        }
        output.Clear();
        if (plan.FixedStatus is { } answer)
            return new HypercallResult(answer, info.IsRep ? control.RepStart : 0);

        var repEnd = !info.IsRep ? 0 : plan.SlicesRepCalls ? Math.Min(repCount, control.RepStart + _repsPerTimeSlice) : repCount;
        var context = new HypercallContext(caller, info, control, input, output, repEnd, plan);
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

    // The input and output buffers hold one page; a host that checks no page straddle may take a longer list.
    private static Span<byte> Sized(ref byte[] buffer, int length)
    {
        if (length > buffer.Length)
            buffer = new byte[length];
        return buffer.AsSpan(0, length);
    }

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
