using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor.Dispatch;

namespace HvCall.Hypervisor.Handlers;

/// <summary>HvCallPostMessage and HvCallSignalEvent (TLFS "Inter-Partition Communication").</summary>
internal static class MessageHandlers
{
    /// <summary>
    /// HvCallPostMessage (0x5C). Checks, in order: a non-zero reserved field at offset 4 (INVALID_PARAMETER),
    /// then the message (type 0, type MSB set, payload size over 240: INVALID_PARAMETER), connection, port,
    /// buffers, VP, SynIC, as <see cref="HvHypervisor.PostMessage(Partitions.Partition, HvConnectionId, uint, System.ReadOnlySpan{byte})"/>.
    /// </summary>
    public static HypercallResult PostMessage(ref HypercallContext context)
    {
        var input = context.Input;
        if (PostMessageInput.Reserved(input) != 0)
            return new(HvStatus.InvalidParameter);
        var status = context.Hypervisor.PostMessage(
            context.Partition,
            new HvConnectionId(PostMessageInput.ConnectionId(input)),
            PostMessageInput.MessageType(input),
            PostMessageInput.PayloadSize(input),
            input[PostMessageInput.PayloadOffset..]);
        return new(status);
    }

    /// <summary>HvCallSignalEvent (0x5D). Non-zero reserved bits 63:48 are INVALID_PARAMETER.</summary>
    public static HypercallResult SignalEvent(ref HypercallContext context)
    {
        var signal = new SignalEventInput(BinaryPrimitives.ReadUInt64LittleEndian(context.Input));
        if (signal.Reserved != 0)
            return new(HvStatus.InvalidParameter);
        return new(context.Hypervisor.SignalEvent(context.Partition, signal.ConnectionId, signal.FlagNumber));
    }
}
