using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;

namespace HvCall.Hypervisor.Handlers;

/// <summary>
/// The calls a root partition uses to build ports and connections (TLFS HvCallCreatePort, HvCallConnectPort,
/// HvCallDeletePort, HvCallDisconnectPort; layouts as Linux <c>hvhdk.h</c>, read with the HvCall.Abi input
/// readers). A partition id is HV_PARTITION_ID_SELF or the id of a partition of the same hypervisor.
/// </summary>
internal static class PortHandlers
{
    /// <summary>HvCallCreatePort (0x95), 56 bytes: PortPartition @0, PortId @8, PortVtl @12, ConnectionPartition @16,
    /// HV_PORT_INFO @24 (type @24, TargetSint @32, TargetVp @36, event BaseFlagNumber @40, FlagCount @42).</summary>
    public static HypercallResult CreatePort(ref HypercallContext context)
    {
        var input = context.Input;
        if (!TryResolvePartition(ref context, CreatePortInput.PortPartition(input), out var owner))
            return new(HvStatus.InvalidPartitionId);
        if (CreatePortInput.PortVtl(input) != 0)
            return new(HvStatus.InvalidParameter);
        var info = CreatePortInput.PortInfo(input);
        var type = (PortType)info.Type;
        ushort baseFlag = 0, flagCount = 0;
        if (type == PortType.Event)
        {
            baseFlag = info.BaseFlagNumber;
            flagCount = info.FlagCount;
        }
        var targetVp = info.TargetVp == HvRegisterName.AnyVp ? 0 : info.TargetVp;
        return new(context.Hypervisor.CreatePort(owner, CreatePortInput.PortId(input), type, targetVp,
            info.TargetSint > 15 ? -1 : (int)info.TargetSint, baseFlag, flagCount));
    }

    /// <summary>HvCallConnectPort (0x96), 72 bytes: ConnectionPartition @0, ConnectionId @8, PortPartition @16, PortId @24,
    /// HV_CONNECTION_INFO @32 (type @32).</summary>
    public static HypercallResult ConnectPort(ref HypercallContext context)
    {
        var input = context.Input;
        if (!TryResolvePartition(ref context, ConnectPortInput.ConnectionPartition(input), out var caller) ||
            !TryResolvePartition(ref context, ConnectPortInput.PortPartition(input), out var portOwner))
            return new(HvStatus.InvalidPartitionId);
        if (ConnectPortInput.PortType(input) is not (HvPortType.Message or HvPortType.Event))
            return new(HvStatus.InvalidParameter);
        return new(context.Hypervisor.ConnectPort(caller, ConnectPortInput.ConnectionId(input), portOwner, ConnectPortInput.PortId(input)));
    }

    /// <summary>HvCallDeletePort (0x58), 16 bytes: PortPartition @0, PortId @8.</summary>
    public static HypercallResult DeletePort(ref HypercallContext context)
    {
        var input = context.Input;
        if (!TryResolvePartition(ref context, PortIdInput.Partition(input), out var owner))
            return new(HvStatus.InvalidPartitionId);
        return new(context.Hypervisor.DeletePort(owner, PortIdInput.Id(input)));
    }

    /// <summary>HvCallDisconnectPort (0x5B), 16 bytes: ConnectionPartition @0, ConnectionId @8.</summary>
    public static HypercallResult DisconnectPort(ref HypercallContext context)
    {
        var input = context.Input;
        if (!TryResolvePartition(ref context, PortIdInput.Partition(input), out var caller))
            return new(HvStatus.InvalidPartitionId);
        return new(context.Hypervisor.DisconnectPort(caller, PortIdInput.Id(input)));
    }

    /// <summary>A partition id as the root's calls name it: HV_PARTITION_ID_SELF (the caller's partition) or the id
    /// of a partition of the hypervisor handling the call.</summary>
    internal static bool TryResolvePartition(ref HypercallContext context, ulong id, out Partition partition)
    {
        if (id == HvRegisterName.PartitionSelf)
        {
            partition = context.Partition;
            return true;
        }
        return context.Hypervisor.TryGetPartition(id, out partition!);
    }
}
