using System.Runtime.CompilerServices;

namespace HvCall.Abi;

/// <summary>
/// The hypercall input value ("control word"): x64 RCX, ARM64 X1. A view over the raw 64 bits that
/// round-trips exactly, reserved bits included.
/// </summary>
/// <remarks>
/// TLFS "Hypercall Interface", "Hypercall Inputs": bits 15:0 call code, 16 fast, 26:17 variable header
/// size in 8-byte units, 30:27 reserved, 31 nested ("handle in the L0 hypervisor"), 43:32 rep count,
/// 47:44 reserved, 59:48 rep start index, 63:60 reserved. The TLFS 6.0b PDF draws nested at bit 26
/// with a 9-bit header field; that layout is stale.
/// </remarks>
/// <param name="Value">The raw 64-bit control word.</param>
public readonly record struct HypercallControl(ulong Value)
{
    /// <summary>Mask of the call code, bits 15:0.</summary>
    public const ulong CodeMask = 0xFFFF;
    /// <summary>The fast bit, bit 16: parameters in registers.</summary>
    public const ulong FastBit = 1UL << 16;
    /// <summary>Bit position of the variable header size.</summary>
    public const int VariableHeaderShift = 17;
    /// <summary>Mask of the variable header size, bits 26:17.</summary>
    public const ulong VariableHeaderMask = 0x3FFUL << VariableHeaderShift;
    /// <summary>The nested bit, bit 31 (Linux <c>HV_HYPERCALL_NESTED</c>).</summary>
    public const ulong NestedBit = 1UL << 31;
    /// <summary>Bit position of the rep count.</summary>
    public const int RepCountShift = 32;
    /// <summary>Mask of the rep count, bits 43:32.</summary>
    public const ulong RepCountMask = 0xFFFUL << RepCountShift;
    /// <summary>Bit position of the rep start index.</summary>
    public const int RepStartShift = 48;
    /// <summary>Mask of the rep start index, bits 59:48.</summary>
    public const ulong RepStartMask = 0xFFFUL << RepStartShift;
    /// <summary>Reserved bits 30:27, 47:44 and 63:60; they must be zero.</summary>
    public const ulong ReservedMask = 0xF000_F000_7800_0000;
    /// <summary>The largest rep count or rep start index (12 bits).</summary>
    public const int MaxRepCount = 0xFFF;
    /// <summary>The largest variable header size in 8-byte units (10 bits).</summary>
    public const int MaxVariableHeaderSize = 0x3FF;

    /// <summary>A control word for <paramref name="code"/> with every other field zero.</summary>
    /// <param name="code">The call code.</param>
    public static HypercallControl For(HvCallCode code) => new(code.Value);

    /// <summary>The call code.</summary>
    public HvCallCode Code => new((ushort)(Value & CodeMask));
    /// <summary>True when parameters are passed in registers.</summary>
    public bool IsFast => (Value & FastBit) != 0;
    /// <summary>Size of the variable header in 8-byte units.</summary>
    public int VariableHeaderSize => (int)((Value & VariableHeaderMask) >> VariableHeaderShift);
    /// <summary>True when the call must be handled by the L0 hypervisor.</summary>
    public bool IsNested => (Value & NestedBit) != 0;
    /// <summary>The rep count (zero for a simple call).</summary>
    public int RepCount => (int)((Value & RepCountMask) >> RepCountShift);
    /// <summary>The rep start index.</summary>
    public int RepStart => (int)((Value & RepStartMask) >> RepStartShift);
    /// <summary>The reserved bits that are set (zero for a well-formed word).</summary>
    public ulong ReservedBits => Value & ReservedMask;
    /// <summary>True when any reserved bit is set.</summary>
    public bool HasReservedBits => (Value & ReservedMask) != 0;

    /// <summary>Returns this word with another call code.</summary>
    /// <param name="code">The new code.</param>
    public HypercallControl WithCode(HvCallCode code) => new((Value & ~CodeMask) | code.Value);

    /// <summary>Returns this word with the fast bit set or cleared.</summary>
    /// <param name="fast">Whether parameters are in registers.</param>
    public HypercallControl WithFast(bool fast = true) => new(Set(Value, FastBit, fast));

    /// <summary>Returns this word with the nested bit set or cleared.</summary>
    /// <param name="nested">Whether the L0 hypervisor handles the call.</param>
    public HypercallControl WithNested(bool nested = true) => new(Set(Value, NestedBit, nested));

    /// <summary>Returns this word with another variable header size.</summary>
    /// <param name="size">Size in 8-byte units, 0 to <see cref="MaxVariableHeaderSize"/>.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">The size does not fit 10 bits.</exception>
    public HypercallControl WithVariableHeaderSize(int size) =>
        new(Field(Value, VariableHeaderMask, VariableHeaderShift, size, MaxVariableHeaderSize));

    /// <summary>Returns this word with another rep count.</summary>
    /// <param name="count">0 to <see cref="MaxRepCount"/>.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">The count does not fit 12 bits.</exception>
    public HypercallControl WithRepCount(int count) =>
        new(Field(Value, RepCountMask, RepCountShift, count, MaxRepCount));

    /// <summary>Returns this word with another rep start index.</summary>
    /// <param name="start">0 to <see cref="MaxRepCount"/>.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">The index does not fit 12 bits.</exception>
    public HypercallControl WithRepStart(int start) =>
        new(Field(Value, RepStartMask, RepStartShift, start, MaxRepCount));

    /// <summary>Returns this word with the given reserved bits (bits outside the reserved mask are ignored).</summary>
    /// <param name="bits">The reserved bits to set.</param>
    public HypercallControl WithReservedBits(ulong bits) => new((Value & ~ReservedMask) | (bits & ReservedMask));

    /// <summary>The raw value.</summary>
    /// <param name="control">The word.</param>
    public static implicit operator ulong(HypercallControl control) => control.Value;

    /// <summary>Hex spelling of the raw value, such as <c>0x000000008000005C</c>.</summary>
    public override string ToString() => $"0x{Value:X16}";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Set(ulong value, ulong bit, bool on) => on ? value | bit : value & ~bit;

    private static ulong Field(ulong value, ulong mask, int shift, int field, int max)
    {
        System.ArgumentOutOfRangeException.ThrowIfNegative(field);
        System.ArgumentOutOfRangeException.ThrowIfGreaterThan(field, max);
        return (value & ~mask) | ((ulong)field << shift);
    }
}
