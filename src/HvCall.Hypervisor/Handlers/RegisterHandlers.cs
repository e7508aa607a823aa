using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Processors;

namespace HvCall.Hypervisor.Handlers;

/// <summary>
/// HvCallGetVpRegisters (0x50) and HvCallSetVpRegisters (0x51): the guest OS id, the VP index and the
/// SynIC registers by <c>HV_REGISTER_NAME</c> (the only way to the SynIC on ARM64).
/// </summary>
/// <remarks>
/// Header: PartitionId u64 (HV_PARTITION_ID_SELF or the caller's own id), VpIndex u32
/// (HV_VP_INDEX_SELF or a VP of the caller), InputVtl u8 (must be 0), reserved. An unknown or read-only
/// register name, or an invalid value (a SINT with an unmasked vector below 16: the value the x64 MSR
/// path refuses with #GP; reserved SINT bits are RsvdP and kept on both paths), stops the call at that
/// rep with INVALID_PARAMETER.
/// </remarks>
internal static class RegisterHandlers
{
    public static HypercallResult GetVpRegisters(ref HypercallContext context)
    {
        var status = ResolveTarget(ref context, out var vp);
        if (status != HvStatus.Success)
            return new(status, context.RepStart);
        for (var i = context.RepStart; i < context.RepEnd; i++)
        {
            var name = BinaryPrimitives.ReadUInt32LittleEndian(context.InputElement(i));
            if (!TryRead(vp, name, out var value))
                return new(HvStatus.InvalidParameter, i);
            var element = context.OutputElement(i);
            BinaryPrimitives.WriteUInt64LittleEndian(element, value);
            BinaryPrimitives.WriteUInt64LittleEndian(element[8..], 0);
        }
        return new(HvStatus.Success, context.RepEnd);
    }

    public static HypercallResult SetVpRegisters(ref HypercallContext context)
    {
        var status = ResolveTarget(ref context, out var vp);
        if (status != HvStatus.Success)
            return new(status, context.RepStart);
        for (var i = context.RepStart; i < context.RepEnd; i++)
        {
            var element = context.InputElement(i);
            var name = BinaryPrimitives.ReadUInt32LittleEndian(element);
            var value = BinaryPrimitives.ReadUInt64LittleEndian(element[16..]);
            if (!TryWrite(vp, name, value))
                return new(HvStatus.InvalidParameter, i);
        }
        return new(HvStatus.Success, context.RepEnd);
    }

    private static HvStatus ResolveTarget(ref HypercallContext context, out VirtualProcessor vp)
    {
        var header = context.Input;
        var partitionId = BinaryPrimitives.ReadUInt64LittleEndian(header);
        var vpIndex = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        vp = context.Caller;
        if (partitionId != HvRegisterName.PartitionSelf && partitionId != context.Partition.Id)
            return HvStatus.InvalidPartitionId;
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) != 0)
            return HvStatus.InvalidParameter;
        if (vpIndex != HvRegisterName.VpIndexSelf && !context.Partition.TryGetVp(vpIndex, out vp!))
        {
            vp = context.Caller;
            return HvStatus.InvalidVpIndex;
        }
        return HvStatus.Success;
    }

    private static bool TryRead(VirtualProcessor vp, uint name, out ulong value)
    {
        switch (name)
        {
            case HvRegisterName.GuestOsId:
                value = vp.Partition.GuestOsId;
                return true;
            case HvRegisterName.VpIndex:
                value = vp.Index;
                return true;
            case >= HvRegisterName.Sint0 and <= HvRegisterName.Sirbp:
                return vp.Synic.TryRead((SynicRegister)(name - HvRegisterName.Sint0), out value);
            default:
                value = 0;
                return false;
        }
    }

    private static bool TryWrite(VirtualProcessor vp, uint name, ulong value)
    {
        switch (name)
        {
            case HvRegisterName.GuestOsId:
                vp.Partition.GuestOsId = value; // zero also disables an x64 hypercall page, as the MSR write does
                return true;
            case >= HvRegisterName.Sint0 and <= HvRegisterName.Sirbp:
                return vp.Synic.TryWrite((SynicRegister)(name - HvRegisterName.Sint0), value);
            default:
                return false;
        }
    }
}
