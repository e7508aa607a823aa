using System;
using System.Buffers.Binary;

namespace HvCall.Abi.Messages;

/// <summary>The kind of a port (<c>HV_PORT_TYPE</c>).</summary>
/// <remarks>TLFS "Inter-Partition Communication" and Linux <c>hvhdk.h</c>: Message 1, Event 2, Monitor 3, Doorbell 4.</remarks>
public enum HvPortType : uint
{
    /// <summary>HvPortTypeMessage: receives messages (HvCallPostMessage).</summary>
    Message = 1,
    /// <summary>HvPortTypeEvent: receives event flags (HvCallSignalEvent).</summary>
    Event = 2,
    /// <summary>HvPortTypeMonitor: a monitor page port.</summary>
    Monitor = 3,
    /// <summary>HvPortTypeDoorbell: a doorbell port.</summary>
    Doorbell = 4,
}

/// <summary>
/// <c>HV_PORT_INFO</c> as HvCallCreatePort carries it: the port type and where its messages or events arrive.
/// </summary>
/// <remarks>
/// Linux <c>hv_port_info</c>: PortType u32 @0, padding u32 @4, then the type's union: TargetSint u32 @8,
/// TargetVp u32 @12 (HV_ANY_VP 0xFFFFFFFF allowed), and for an event port BaseFlagNumber u16 @16 and
/// FlagCount u16 @18; 24 bytes in all.
/// </remarks>
/// <param name="Type">The port type.</param>
/// <param name="TargetSint">The receiving SINT.</param>
/// <param name="TargetVp">The receiving VP index.</param>
/// <param name="BaseFlagNumber">Event ports: the first flag number of the port in the SINT's event flags.</param>
/// <param name="FlagCount">Event ports: how many flags the port owns.</param>
public readonly record struct HvPortInfo(HvPortType Type, uint TargetSint, uint TargetVp, ushort BaseFlagNumber = 0, ushort FlagCount = 0)
{
    /// <summary>A message port delivering into <paramref name="targetSint"/> of <paramref name="targetVp"/>.</summary>
    /// <param name="targetSint">The receiving SINT.</param>
    /// <param name="targetVp">The receiving VP index.</param>
    public static HvPortInfo Message(uint targetSint, uint targetVp) => new(HvPortType.Message, targetSint, targetVp);

    /// <summary>An event port owning flags [<paramref name="baseFlagNumber"/>, + <paramref name="flagCount"/>) of a SINT.</summary>
    /// <param name="targetSint">The receiving SINT.</param>
    /// <param name="targetVp">The receiving VP index.</param>
    /// <param name="baseFlagNumber">The first flag number.</param>
    /// <param name="flagCount">The number of flags.</param>
    public static HvPortInfo Event(uint targetSint, uint targetVp, ushort baseFlagNumber, ushort flagCount) =>
        new(HvPortType.Event, targetSint, targetVp, baseFlagNumber, flagCount);
}

/// <summary>The 56-byte input of HvCallCreatePort (0x95).</summary>
/// <remarks>
/// TLFS HvCallCreatePort; Linux <c>hv_input_create_port</c>: PortPartition u64 @0, PortId u32 @8, PortVtl u8 @12,
/// MinConnectionVtl u8 @13, padding u16 @14, ConnectionPartition u64 @16, <see cref="HvPortInfo"/> @24 (PortType
/// @24, TargetSint @32, TargetVp @36, BaseFlagNumber @40, FlagCount @42), ProximityDomainInfo u64 @48.
/// </remarks>
public static class CreatePortInput
{
    /// <summary>Size of the input.</summary>
    public const int Size = 56;
    /// <summary>Offset of PortVtl (u8).</summary>
    public const int PortVtlOffset = 12;
    /// <summary>Offset of ConnectionPartition (u64).</summary>
    public const int ConnectionPartitionOffset = 16;
    /// <summary>Offset of the port info's PortType (u32).</summary>
    public const int PortTypeOffset = 24;
    /// <summary>Offset of the port info's TargetSint (u32).</summary>
    public const int TargetSintOffset = 32;
    /// <summary>Offset of the port info's TargetVp (u32).</summary>
    public const int TargetVpOffset = 36;
    /// <summary>Offset of the event port info's BaseFlagNumber (u16).</summary>
    public const int BaseFlagNumberOffset = 40;
    /// <summary>Offset of the event port info's FlagCount (u16).</summary>
    public const int FlagCountOffset = 42;

    /// <summary>The partition that will own the port.</summary>
    /// <param name="input">At least 56 bytes.</param>
    public static ulong PortPartition(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt64LittleEndian(input);

    /// <summary>The port id.</summary>
    /// <param name="input">At least 56 bytes.</param>
    public static uint PortId(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[8..]);

    /// <summary>The port's VTL.</summary>
    /// <param name="input">At least 56 bytes.</param>
    public static byte PortVtl(ReadOnlySpan<byte> input) => input[PortVtlOffset];

    /// <summary>The partition that may connect to the port.</summary>
    /// <param name="input">At least 56 bytes.</param>
    public static ulong ConnectionPartition(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt64LittleEndian(input[ConnectionPartitionOffset..]);

    /// <summary>The port info: type, target SINT and VP, and for event ports the flag range.</summary>
    /// <param name="input">At least 56 bytes.</param>
    public static HvPortInfo PortInfo(ReadOnlySpan<byte> input) => new(
        (HvPortType)BinaryPrimitives.ReadUInt32LittleEndian(input[PortTypeOffset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(input[TargetSintOffset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(input[TargetVpOffset..]),
        BinaryPrimitives.ReadUInt16LittleEndian(input[BaseFlagNumberOffset..]),
        BinaryPrimitives.ReadUInt16LittleEndian(input[FlagCountOffset..]));

    /// <summary>Writes the input; VTLs, padding, reserved fields and the proximity domain are zero.</summary>
    /// <param name="destination">At least 56 bytes.</param>
    /// <param name="portPartition">The owning partition (HV_PARTITION_ID_SELF or an id).</param>
    /// <param name="portId">The port id.</param>
    /// <param name="connectionPartition">The partition that may connect.</param>
    /// <param name="info">The port info; the flag range is written for event ports only.</param>
    public static void Write(Span<byte> destination, ulong portPartition, uint portId, ulong connectionPartition, HvPortInfo info)
    {
        var input = destination[..Size];
        input.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(input, portPartition);
        BinaryPrimitives.WriteUInt32LittleEndian(input[8..], portId);
        BinaryPrimitives.WriteUInt64LittleEndian(input[ConnectionPartitionOffset..], connectionPartition);
        BinaryPrimitives.WriteUInt32LittleEndian(input[PortTypeOffset..], (uint)info.Type);
        BinaryPrimitives.WriteUInt32LittleEndian(input[TargetSintOffset..], info.TargetSint);
        BinaryPrimitives.WriteUInt32LittleEndian(input[TargetVpOffset..], info.TargetVp);
        if (info.Type == HvPortType.Event)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(input[BaseFlagNumberOffset..], info.BaseFlagNumber);
            BinaryPrimitives.WriteUInt16LittleEndian(input[FlagCountOffset..], info.FlagCount);
        }
    }
}

/// <summary>The 72-byte input of HvCallConnectPort (0x96).</summary>
/// <remarks>
/// TLFS HvCallConnectPort; Linux <c>hv_input_connect_port</c>: ConnectionPartition u64 @0, ConnectionId u32 @8,
/// ConnectionVtl u8 @12, reserved @13, PortPartition u64 @16, PortId u32 @24, reserved u32 @28,
/// <c>HV_CONNECTION_INFO</c> @32 (PortType u32 @32, padding, a 24-byte union), ProximityDomainInfo u64 @64.
/// </remarks>
public static class ConnectPortInput
{
    /// <summary>Size of the input.</summary>
    public const int Size = 72;
    /// <summary>Offset of ConnectionId (u32).</summary>
    public const int ConnectionIdOffset = 8;
    /// <summary>Offset of PortPartition (u64).</summary>
    public const int PortPartitionOffset = 16;
    /// <summary>Offset of PortId (u32).</summary>
    public const int PortIdOffset = 24;
    /// <summary>Offset of the connection info's PortType (u32).</summary>
    public const int PortTypeOffset = 32;

    /// <summary>The partition that will use the connection id.</summary>
    /// <param name="input">At least 72 bytes.</param>
    public static ulong ConnectionPartition(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt64LittleEndian(input);

    /// <summary>The connection id (all 32 bits).</summary>
    /// <param name="input">At least 72 bytes.</param>
    public static uint ConnectionId(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[ConnectionIdOffset..]);

    /// <summary>The partition owning the port.</summary>
    /// <param name="input">At least 72 bytes.</param>
    public static ulong PortPartition(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt64LittleEndian(input[PortPartitionOffset..]);

    /// <summary>The port id.</summary>
    /// <param name="input">At least 72 bytes.</param>
    public static uint PortId(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[PortIdOffset..]);

    /// <summary>The connection info's port type.</summary>
    /// <param name="input">At least 72 bytes.</param>
    public static HvPortType PortType(ReadOnlySpan<byte> input) => (HvPortType)BinaryPrimitives.ReadUInt32LittleEndian(input[PortTypeOffset..]);

    /// <summary>Writes the input; the VTL, reserved fields, the connection info's union and the proximity domain are zero.</summary>
    /// <param name="destination">At least 72 bytes.</param>
    /// <param name="connectionPartition">The connecting partition (HV_PARTITION_ID_SELF or an id).</param>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="portPartition">The partition owning the port.</param>
    /// <param name="portId">The port id.</param>
    /// <param name="type">The port type the connection expects.</param>
    public static void Write(Span<byte> destination, ulong connectionPartition, uint connectionId, ulong portPartition, uint portId, HvPortType type)
    {
        var input = destination[..Size];
        input.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(input, connectionPartition);
        BinaryPrimitives.WriteUInt32LittleEndian(input[ConnectionIdOffset..], connectionId);
        BinaryPrimitives.WriteUInt64LittleEndian(input[PortPartitionOffset..], portPartition);
        BinaryPrimitives.WriteUInt32LittleEndian(input[PortIdOffset..], portId);
        BinaryPrimitives.WriteUInt32LittleEndian(input[PortTypeOffset..], (uint)type);
    }
}

/// <summary>
/// The 16-byte input shared by HvCallDeletePort (0x58: PortPartition, PortId) and HvCallDisconnectPort
/// (0x5B: ConnectionPartition, ConnectionId): a partition id and a 32-bit id, small enough for the fast form.
/// </summary>
/// <remarks>
/// TLFS HvCallDeletePort and HvCallDisconnectPort; Linux <c>hv_input_delete_port</c> {port_partition_id u64 @0,
/// port_id u32 @8, reserved u32 @12} and <c>hv_input_disconnect_port</c> {connection_partition_id u64 @0,
/// connection_id u32 @8, is_doorbell bit 0 of u32 @12}; Linux's mshv issues both with
/// <c>hv_do_fast_hypercall16</c>.
/// </remarks>
public static class PortIdInput
{
    /// <summary>Size of the input.</summary>
    public const int Size = 16;

    /// <summary>The partition id (port owner or connecting partition).</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static ulong Partition(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt64LittleEndian(input);

    /// <summary>The port id or connection id.</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static uint Id(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[8..]);

    /// <summary>The two qwords of the fast form (RDX, R8 / X2, X3): the partition id, then the id with the upper half zero.</summary>
    /// <param name="partition">The partition id.</param>
    /// <param name="id">The port or connection id.</param>
    public static (ulong Qword0, ulong Qword1) Qwords(ulong partition, uint id) => (partition, id);
}
