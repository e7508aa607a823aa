using System;
using System.Buffers.Binary;

namespace HvCall.Abi.Messages;

/// <summary>
/// The 16-byte input of HvCallSignalEventDirect (0xC0), read from or written to a caller's buffer: a
/// root partition sets an event flag in a VP's SynIC event flags page directly, without a port.
/// </summary>
/// <remarks>
/// TLFS HvCallSignalEventDirect; Linux (out-of-tree mshv) <c>hv_input_signal_event_direct</c>; OpenVMM
/// <c>hvdef::hypercall::SignalEventDirect</c>. All three agree (vmbus-datapath sheet §7): TargetPartition u64
/// @0, TargetVp u32 @8, TargetVtl u8 @12, TargetSint u8 @13, FlagNumber u16 @14. The output is
/// <see cref="SignalEventDirectOutput"/>. Linux issues the call in the slow (memory) form; the TLFS lists no
/// privilege, and only a root partition issues it in practice (Linux gates it behind <c>/dev/mshv</c>).
/// </remarks>
public static class SignalEventDirectInput
{
    /// <summary>Size of the input.</summary>
    public const int Size = 16;
    /// <summary>Offset of TargetPartition (u64).</summary>
    public const int TargetPartitionOffset = 0;
    /// <summary>Offset of TargetVp (u32).</summary>
    public const int TargetVpOffset = 8;
    /// <summary>Offset of TargetVtl (u8).</summary>
    public const int TargetVtlOffset = 12;
    /// <summary>Offset of TargetSint (u8).</summary>
    public const int TargetSintOffset = 13;
    /// <summary>Offset of FlagNumber (u16).</summary>
    public const int FlagNumberOffset = 14;

    /// <summary>The target partition id (HV_PARTITION_ID_SELF or a partition id).</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static ulong TargetPartition(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt64LittleEndian(input);

    /// <summary>The target VP index.</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static uint TargetVp(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt32LittleEndian(input[TargetVpOffset..]);

    /// <summary>The target VTL.</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static byte TargetVtl(ReadOnlySpan<byte> input) => input[TargetVtlOffset];

    /// <summary>The target SINT (not yet validated: 0 to 15 is meaningful).</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static byte TargetSint(ReadOnlySpan<byte> input) => input[TargetSintOffset];

    /// <summary>The flag number within the SINT's 2048 event flags (not yet validated).</summary>
    /// <param name="input">At least 16 bytes.</param>
    public static ushort FlagNumber(ReadOnlySpan<byte> input) => BinaryPrimitives.ReadUInt16LittleEndian(input[FlagNumberOffset..]);

    /// <summary>Writes the input; every byte of the 16 is written.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    /// <param name="targetPartition">The target partition id.</param>
    /// <param name="targetVp">The target VP index.</param>
    /// <param name="targetVtl">The target VTL.</param>
    /// <param name="targetSint">The target SINT.</param>
    /// <param name="flagNumber">The flag number.</param>
    public static void Write(Span<byte> destination, ulong targetPartition, uint targetVp, byte targetVtl, byte targetSint, ushort flagNumber)
    {
        var input = destination[..Size];
        BinaryPrimitives.WriteUInt64LittleEndian(input, targetPartition);
        BinaryPrimitives.WriteUInt32LittleEndian(input[TargetVpOffset..], targetVp);
        input[TargetVtlOffset] = targetVtl;
        input[TargetSintOffset] = targetSint;
        BinaryPrimitives.WriteUInt16LittleEndian(input[FlagNumberOffset..], flagNumber);
    }
}

/// <summary>The 8-byte output of HvCallSignalEventDirect (0xC0).</summary>
/// <remarks>
/// TLFS HvCallSignalEventDirect; OpenVMM <c>SignalEventDirectOutput</c> (vmbus-datapath sheet §7): NewlySignaled
/// u8 @0 (1 when the flag went from 0 to 1), 7 reserved bytes.
/// </remarks>
public static class SignalEventDirectOutput
{
    /// <summary>Size of the output.</summary>
    public const int Size = 8;
    /// <summary>Offset of NewlySignaled (u8).</summary>
    public const int NewlySignaledOffset = 0;

    /// <summary>True when the NewlySignaled byte is non-zero.</summary>
    /// <param name="output">At least 8 bytes.</param>
    public static bool NewlySignaled(ReadOnlySpan<byte> output) => output[NewlySignaledOffset] != 0;

    /// <summary>Writes the output: NewlySignaled 1 or 0, and 7 zero reserved bytes.</summary>
    /// <param name="destination">At least 8 bytes.</param>
    /// <param name="newlySignaled">True when the flag went from 0 to 1.</param>
    public static void Write(Span<byte> destination, bool newlySignaled)
    {
        var output = destination[..Size];
        output.Clear();
        output[NewlySignaledOffset] = newlySignaled ? (byte)1 : (byte)0;
    }
}
