using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;

namespace HvCall.Hypervisor.Handlers;

/// <summary>Partition-level calls with little architectural effect in a simulation; their effects are recorded.</summary>
internal static class PartitionHandlers
{
    // HV_FLUSH_ALL_PROCESSORS, ALL_VIRTUAL_ADDRESS_SPACES, NON_GLOBAL_MAPPINGS_ONLY, USE_EXTENDED_RANGE_FORMAT.
    private const ulong KnownFlushFlags = 0xF;
    private const ulong NonGlobalMappingsOnly = 1 << 2;

    /// <summary>HvCallGetPartitionId (0x46): the caller's partition id.</summary>
    public static HypercallResult GetPartitionId(ref HypercallContext context)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(context.Output, context.Partition.Id);
        return new(HvStatus.Success);
    }

    /// <summary>HvCallNotifyLongSpinWait (0x08): advisory; always succeeds.</summary>
    public static HypercallResult NotifyLongSpinWait(ref HypercallContext context)
    {
        context.Hypervisor.Record.LongSpinWaits++;
        return new(HvStatus.Success);
    }

    /// <summary>HvCallFlushVirtualAddressSpace (0x02): AddressSpace, Flags, ProcessorMask; unknown flags are INVALID_PARAMETER.</summary>
    public static HypercallResult FlushVirtualAddressSpace(ref HypercallContext context)
    {
        var input = context.Input;
        var flags = BinaryPrimitives.ReadUInt64LittleEndian(input[8..]);
        if ((flags & ~KnownFlushFlags) != 0)
            return new(HvStatus.InvalidParameter);
        context.Hypervisor.Record.AddFlush(new FlushRecord(
            BinaryPrimitives.ReadUInt64LittleEndian(input), flags, BinaryPrimitives.ReadUInt64LittleEndian(input[16..]), []));
        return new(HvStatus.Success);
    }

    /// <summary>HvCallFlushVirtualAddressList (0x03, rep of GVA ranges); NON_GLOBAL_MAPPINGS_ONLY is invalid for a list.</summary>
    public static HypercallResult FlushVirtualAddressList(ref HypercallContext context)
    {
        var input = context.Input;
        var flags = BinaryPrimitives.ReadUInt64LittleEndian(input[8..]);
        if ((flags & ~KnownFlushFlags) != 0 || (flags & NonGlobalMappingsOnly) != 0)
            return new(HvStatus.InvalidParameter, context.RepStart);
        var ranges = new ulong[context.RepEnd - context.RepStart];
        for (var i = context.RepStart; i < context.RepEnd; i++)
            ranges[i - context.RepStart] = BinaryPrimitives.ReadUInt64LittleEndian(context.InputElement(i));
        context.Hypervisor.Record.AddFlush(new FlushRecord(
            BinaryPrimitives.ReadUInt64LittleEndian(input), flags, BinaryPrimitives.ReadUInt64LittleEndian(input[16..]), ranges));
        return new(HvStatus.Success, context.RepEnd);
    }

    /// <summary>
    /// HvCallSendSyntheticClusterIpi (0x0B): Vector u32 (0x10–0xFF), TargetVtl u8 (0), reserved, ProcessorMask u64.
    /// One IPI is recorded per existing VP in the mask; bits for absent VPs are ignored. A bad vector or VTL is
    /// INVALID_PARAMETER, or the host's input-field status (KVM: INVALID_HYPERCALL_INPUT).
    /// </summary>
    public static HypercallResult SendSyntheticClusterIpi(ref HypercallContext context)
    {
        var input = context.Input;
        var vector = BinaryPrimitives.ReadUInt32LittleEndian(input);
        if (vector is < 0x10 or > 0xFF || BinaryPrimitives.ReadUInt32LittleEndian(input[4..]) != 0)
            return new(context.Plan.InputFieldStatus);
        var mask = BinaryPrimitives.ReadUInt64LittleEndian(input[8..]);
        var record = context.Hypervisor.Record;
        foreach (var vp in context.Partition.VirtualProcessors)
        {
            if (vp.Index < 64 && (mask & (1UL << (int)vp.Index)) != 0)
            {
                record.IpisDelivered++;
                record.LastIpiVector = vector;
            }
        }
        return new(HvStatus.Success);
    }

    /// <summary>HvExtCallQueryCapabilities (0x8001): the simulation implements no other extended call, so the mask is 0.</summary>
    public static HypercallResult ExtQueryCapabilities(ref HypercallContext context)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(context.Output, 0);
        return new(HvStatus.Success);
    }
}
