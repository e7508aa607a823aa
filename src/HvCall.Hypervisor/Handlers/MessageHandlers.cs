using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor.Dispatch;

namespace HvCall.Hypervisor.Handlers;

/// <summary>HvCallPostMessage and HvCallSignalEvent (TLFS "Inter-Partition Communication").</summary>
internal static class MessageHandlers
{
    /// <summary>
    /// HvCallPostMessage (0x5C) under the host's <see cref="Profiles.PostMessageRules"/>. Hyper-V checks, in order: a
    /// non-zero reserved field at offset 4 (INVALID_PARAMETER), then the message (type 0, type MSB set, payload size over
    /// 240: INVALID_PARAMETER), connection, port, buffers, VP, SynIC, as
    /// <see cref="HvHypervisor.PostMessage(Partitions.Partition, HvConnectionId, uint, System.ReadOnlySpan{byte})"/>.
    /// </summary>
    public static HypercallResult PostMessage(ref HypercallContext context)
    {
        var input = context.Input;
        var rules = context.Plan.PostMessage;
        if (rules.ReservedFieldStatus is { } reserved && PostMessageInput.Reserved(input) != 0)
            return new(reserved);
        var status = context.Hypervisor.PostMessage(
            context.Partition,
            new HvConnectionId(PostMessageInput.ConnectionId(input)),
            PostMessageInput.MessageType(input),
            PostMessageInput.PayloadSize(input),
            input[PostMessageInput.PayloadOffset..],
            rules);
        return new(status);
    }

    /// <summary>
    /// HvCallSignalEvent (0x5D) under the host's <see cref="Profiles.SignalEventRules"/>: a non-zero flag number where the
    /// host refuses one (KVM, QEMU: INVALID_PORT_ID), reserved bits 63:48 (Hyper-V: INVALID_PARAMETER; KVM, QEMU: 0x3),
    /// connection id bits 31:24 where the host refuses them before the lookup (KVM, QEMU: 0x3), then the connection.
    /// </summary>
    public static HypercallResult SignalEvent(ref HypercallContext context)
    {
        var signal = new SignalEventInput(BinaryPrimitives.ReadUInt64LittleEndian(context.Input));
        var rules = context.Plan.SignalEvent;
        if (rules.FlagNumberNonZeroStatus is { } flagStatus && signal.FlagNumber != 0)
            return new(flagStatus);
        if (rules.ReservedBitsStatus is { } reservedStatus && signal.Reserved != 0)
            return new(reservedStatus);
        if (rules.ConnectionIdHighBitsStatus is { } highBits && signal.ConnectionId.HasReservedBits)
            return new(highBits);
        return new(context.Hypervisor.SignalEvent(context.Partition, signal.ConnectionId, signal.FlagNumber, rules.DropsUndeliverable));
    }
}
