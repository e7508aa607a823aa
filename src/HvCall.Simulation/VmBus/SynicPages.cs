using System;
using System.Runtime.InteropServices;
using System.Threading;
using HvCall.Abi.Messages;

namespace HvCall.Simulation.VmBus;

/// <summary>
/// The guest's side of the SynIC pages, as Linux's <c>vmbus_on_msg_dpc</c> and <c>vmbus_chan_sched</c> read them: take the
/// message in a SINT's slot of the message page, and test-and-clear event flags in a SINT's area of the event flags page.
/// Shared by every guest-code reader (the VMBus client, the nested root's own L1 SynIC, the channels).
/// </summary>
/// <remarks>TLFS "Synthetic Interrupt Controller": 16 slots of 256 bytes; 16 areas of 2048 flags (256 bytes).</remarks>
internal static class SynicPages
{
    private const int FlagAreaSize = 256;

    /// <summary>
    /// Copies the message in <paramref name="sint"/>'s slot into <paramref name="copy"/> and frees the slot by swapping its
    /// type to NONE. <paramref name="pending"/> says whether the hypervisor flagged more messages: the guest must then
    /// write EOM.
    /// </summary>
    /// <returns>The message type, or NONE (0) when the slot was empty.</returns>
    public static uint TakeMessage(Span<byte> messagePage, int sint, Span<byte> copy, out bool pending)
    {
        var slot = messagePage.Slice(sint * HvMessage.Size, HvMessage.Size);
        ref var typeField = ref MemoryMarshal.Cast<byte, uint>(slot)[0];
        var type = Volatile.Read(ref typeField);
        pending = false;
        if (type == HvMessageType.None)
            return type;
        slot.CopyTo(copy);
        pending = HvMessage.IsMessagePending(slot);
        Interlocked.CompareExchange(ref typeField, HvMessageType.None, type);
        return type;
    }

    /// <summary>Test-and-clear of flag <paramref name="flag"/> in <paramref name="sint"/>'s area.</summary>
    /// <returns>True when the flag was set.</returns>
    public static bool TakeFlag(Span<byte> eventFlagsPage, int sint, int flag)
    {
        var bit = 1u << (flag % 32);
        return (Interlocked.And(ref Flags(eventFlagsPage, sint)[flag / 32], ~bit) & bit) != 0;
    }

    /// <summary>Takes every set flag of 32-bit word <paramref name="word"/> of <paramref name="sint"/>'s area at once.</summary>
    /// <returns>The flags that were set.</returns>
    public static uint TakeWord(Span<byte> eventFlagsPage, int sint, int word) =>
        Interlocked.Exchange(ref Flags(eventFlagsPage, sint)[word], 0);

    private static Span<uint> Flags(Span<byte> eventFlagsPage, int sint) =>
        MemoryMarshal.Cast<byte, uint>(eventFlagsPage.Slice(sint * FlagAreaSize, FlagAreaSize));
}
