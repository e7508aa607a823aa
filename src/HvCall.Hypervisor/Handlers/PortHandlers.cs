using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;

namespace HvCall.Hypervisor.Handlers;

/// <summary>
/// The calls a root partition uses to build ports and connections (TLFS HvCallCreatePort, HvCallConnectPort,
/// HvCallDeletePort, HvCallDisconnectPort; layouts as Linux <c>hvhdk.h</c>). A partition id is
/// HV_PARTITION_ID_SELF or the id of a partition of the same hypervisor.
/// </summary>
internal static class PortHandlers
{
    /// <summary>HvCallCreatePort (0x95), 56 bytes: PortPartition @0, PortId @8, PortVtl @12, ConnectionPartition @16,
    /// HV_PORT_INFO @24 (type @24, TargetSint @32, TargetVp @36, event BaseFlagNumber @40, FlagCount @42).</summary>
    public static HypercallResult CreatePort(ref HypercallContext context)
    {
        var input = context.Input;
        if (!TryResolve(ref context, BinaryPrimitives.ReadUInt64LittleEndian(input), out var owner))
            return new(HvStatus.InvalidPartitionId);
        if (input[12] != 0)
            return new(HvStatus.InvalidParameter);
        var type = (PortType)BinaryPrimitives.ReadUInt32LittleEndian(input[24..]);
        var sint = BinaryPrimitives.ReadUInt32LittleEndian(input[32..]);
        var targetVp = BinaryPrimitives.ReadUInt32LittleEndian(input[36..]);
        ushort baseFlag = 0, flagCount = 0;
        if (type == PortType.Event)
        {
            baseFlag = BinaryPrimitives.ReadUInt16LittleEndian(input[40..]);
            flagCount = BinaryPrimitives.ReadUInt16LittleEndian(input[42..]);
        }
        if (targetVp == HvRegisterName.AnyVp)
            targetVp = 0;
        return new(context.Hypervisor.CreatePort(owner, BinaryPrimitives.ReadUInt32LittleEndian(input[8..]), type, targetVp,
            sint > 15 ? -1 : (int)sint, baseFlag, flagCount));
    }

    /// <summary>HvCallConnectPort (0x96), 72 bytes: ConnectionPartition @0, ConnectionId @8, PortPartition @16, PortId @24,
    /// HV_CONNECTION_INFO @32 (type @32).</summary>
    public static HypercallResult ConnectPort(ref HypercallContext context)
    {
        var input = context.Input;
        if (!TryResolve(ref context, BinaryPrimitives.ReadUInt64LittleEndian(input), out var caller) ||
            !TryResolve(ref context, BinaryPrimitives.ReadUInt64LittleEndian(input[16..]), out var portOwner))
            return new(HvStatus.InvalidPartitionId);
        var type = (PortType)BinaryPrimitives.ReadUInt32LittleEndian(input[32..]);
        if (type is not (PortType.Message or PortType.Event))
            return new(HvStatus.InvalidParameter);
        return new(context.Hypervisor.ConnectPort(caller, BinaryPrimitives.ReadUInt32LittleEndian(input[8..]),
            portOwner, BinaryPrimitives.ReadUInt32LittleEndian(input[24..])));
    }

    /// <summary>HvCallDeletePort (0x58), 16 bytes: PortPartition @0, PortId @8.</summary>
    public static HypercallResult DeletePort(ref HypercallContext context)
    {
        var input = context.Input;
        if (!TryResolve(ref context, BinaryPrimitives.ReadUInt64LittleEndian(input), out var owner))
            return new(HvStatus.InvalidPartitionId);
        return new(context.Hypervisor.DeletePort(owner, BinaryPrimitives.ReadUInt32LittleEndian(input[8..])));
    }

    /// <summary>HvCallDisconnectPort (0x5B), 16 bytes: ConnectionPartition @0, ConnectionId @8.</summary>
    public static HypercallResult DisconnectPort(ref HypercallContext context)
    {
        var input = context.Input;
        if (!TryResolve(ref context, BinaryPrimitives.ReadUInt64LittleEndian(input), out var caller))
            return new(HvStatus.InvalidPartitionId);
        return new(context.Hypervisor.DisconnectPort(caller, BinaryPrimitives.ReadUInt32LittleEndian(input[8..])));
    }

    private static bool TryResolve(ref HypercallContext context, ulong id, out Partition partition)
    {
        if (id == HvRegisterName.PartitionSelf)
        {
            partition = context.Partition;
            return true;
        }
        return context.Hypervisor.TryGetPartition(id, out partition!);
    }
}
