using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Synic;

namespace HvCall.Hypervisor.Handlers;

/// <summary>
/// HvCallSignalEventDirect (0xC0) and HvCallPostMessageDirect (0xC1): a root partition reaches a VP's SynIC
/// directly, without a port or a connection, as Linux's mshv and OpenVMM do to serve child partitions
/// (vmbus-datapath sheet §7).
/// </summary>
/// <remarks>
/// <para>The TLFS pages list no privilege and no statuses; the statuses below follow OpenVMM's emulation and
/// SynIC (sheet §7) and HvCallPostMessage/HvCallSignalEvent (facts §8). Check order:</para>
/// <list type="number">
/// <item>the dispatcher: a caller that is not the root partition → ACCESS_DENIED (0x6; the catalog marks both
/// calls root-only); the fast flag → INVALID_HYPERCALL_INPUT (0x3; neither call has a fast form); a bad input
/// or output GPA → INVALID_ALIGNMENT (0x4)</item>
/// <item>the target partition is neither HV_PARTITION_ID_SELF nor a partition of this hypervisor →
/// INVALID_PARTITION_ID (0xD)</item>
/// <item>field errors → INVALID_PARAMETER (0x5): VTL ≠ 0 or SINT ≥ 16; SignalEventDirect: flag number ≥ 2048;
/// PostMessageDirect: the embedded message's type is 0 or has bit 31 set, or its payload size is over 240</item>
/// <item>the VP index names no VP of the target partition (HV_VP_INDEX_SELF names the caller's VP when the
/// target is the caller's own partition) → INVALID_VP_INDEX (0xE)</item>
/// <item>the target SynIC is disabled, its event flags page (0xC0) or message page (0xC1) is disabled, or the
/// SINT is masked → INVALID_SYNIC_STATE (0x18)</item>
/// <item>PostMessageDirect: the slot holds a message → OBJECT_IN_USE (0x19), and the slot's MessagePending flag
/// is set so that the target's EOM after freeing it lets a retry succeed (OpenVMM does the same)</item>
/// </list>
/// <para>Padding (PostMessageDirect bytes 13–15 and 276–279) is never checked: Linux does not clear its input
/// page, so it may carry stale bytes (sheet §7).</para>
/// </remarks>
internal static class DirectHandlers
{
    /// <summary>
    /// HvCallSignalEventDirect (0xC0), 16 bytes in, 8 out: sets flag FlagNumber of TargetSint in the target VP's
    /// event flags page, raises the SINT's interrupt only when the flag was newly set, and writes NewlySignaled.
    /// </summary>
    public static HypercallResult SignalEventDirect(ref HypercallContext context)
    {
        var input = context.Input;
        if (!PortHandlers.TryResolvePartition(ref context, SignalEventDirectInput.TargetPartition(input), out var target))
            return new(HvStatus.InvalidPartitionId);
        var sint = SignalEventDirectInput.TargetSint(input);
        var flag = SignalEventDirectInput.FlagNumber(input);
        if (SignalEventDirectInput.TargetVtl(input) != 0 || sint >= SynicState.SintCount || flag >= SynicState.FlagsPerSint)
            return new(HvStatus.InvalidParameter);
        if (!TryResolveVp(ref context, target, SignalEventDirectInput.TargetVp(input), out var vp))
            return new(HvStatus.InvalidVpIndex);
        var status = vp.Synic.SetEventFlag(sint, flag, out var newlySignaled);
        if (status == HvStatus.Success)
            SignalEventDirectOutput.Write(context.Output, newlySignaled);
        return new(status);
    }

    /// <summary>
    /// HvCallPostMessageDirect (0xC1), 280 bytes in (Linux/OpenVMM layout): writes the whole 256-byte message into
    /// the target VP's message slot for SintIndex when the slot is free, and raises the SINT's interrupt.
    /// </summary>
    public static HypercallResult PostMessageDirect(ref HypercallContext context)
    {
        var input = context.Input;
        if (!PortHandlers.TryResolvePartition(ref context, PostMessageDirectInput.PartitionId(input), out var target))
            return new(HvStatus.InvalidPartitionId);
        var sint = PostMessageDirectInput.SintIndex(input);
        var message = PostMessageDirectInput.Message(input);
        var type = HvMessage.Type(message);
        if (PostMessageDirectInput.Vtl(input) != 0 || sint >= SynicState.SintCount ||
            type == HvMessageType.None || (type & HvMessageType.HypervisorBit) != 0 || HvMessage.PayloadSize(message) > HvMessage.MaxPayloadSize)
            return new(HvStatus.InvalidParameter);
        if (!TryResolveVp(ref context, target, PostMessageDirectInput.VpIndex(input), out var vp))
            return new(HvStatus.InvalidVpIndex);
        return new(vp.Synic.PostDirect((int)sint, message));
    }

    private static bool TryResolveVp(ref HypercallContext context, Partition target, uint index, out VirtualProcessor vp)
    {
        if (index == HvRegisterName.VpIndexSelf && target == context.Partition)
        {
            vp = context.Caller;
            return true;
        }
        return target.TryGetVp(index, out vp!);
    }
}
