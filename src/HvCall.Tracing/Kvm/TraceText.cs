using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HvCall.Tracing.Kvm;

/// <summary>Byte-level helpers for trace text: numbers, spaces, names. Nothing here allocates.</summary>
/// <remarks>The number forms are those of trace-formats.md §4 item 4.</remarks>
internal static class TraceText
{
    /// <summary>FNV-1a offset basis (64-bit).</summary>
    public const ulong HashSeed = 0xCBF2_9CE4_8422_2325;

    /// <summary>Parses up to 16 hex digits; returns how many bytes it consumed (0: none, or more than 16 digits).</summary>
    /// <param name="text">The text, starting at the first digit.</param>
    /// <param name="value">The value.</param>
    /// <remarks>
    /// Short numbers (most fields) are read a digit at a time; from the fifth digit on, with 17 bytes to look at, the
    /// digits are found and converted 16 at a time with one vector compare and a few shifts (the fixed-width
    /// <c>0x%016llx</c> fields of <c>kvm_exit</c> are the common long case).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ParseHex(ReadOnlySpan<byte> text, out ulong value)
    {
        var table = HexValues;
        ulong v = 0;
        var i = 0;
        for (; i < text.Length; i++)
        {
            var d = table[text[i]];
            if (d > 15)
                break;
            if (i == 4 && text.Length >= 17 && Vector128.IsHardwareAccelerated)
                return ParseHex16(text, out value);
            v = (v << 4) | d;
        }
        value = v;
        return i <= 16 ? i : 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ParseHex16(ReadOnlySpan<byte> text, out ulong value)
    {
        var bytes = Vector128.Create(text[..16]);
        var isDigit = Vector128.LessThan(bytes - Vector128.Create((byte)'0'), Vector128.Create((byte)10));
        var isLetter = Vector128.LessThan((bytes | Vector128.Create((byte)0x20)) - Vector128.Create((byte)'a'), Vector128.Create((byte)6));
        var valid = (isDigit | isLetter).ExtractMostSignificantBits();
        var length = BitOperations.TrailingZeroCount(~valid);
        if (length == 0 || (length == 16 && HexValues[text[16]] <= 15))
        {
            value = 0;
            return 0;
        }
        // One nibble per byte, the first digit in the lowest byte: '0'-'9' → 0-9, 'a'-'f'/'A'-'F' → 1-6 + 9.
        var nibbles = (bytes & Vector128.Create((byte)0x0F)) + (isLetter & Vector128.Create((byte)9));
        var high = Combine(nibbles.AsUInt64().GetElement(0));
        var low = Combine(nibbles.AsUInt64().GetElement(1));
        var all = ((ulong)high << 32) | low;
        value = length == 16 ? all : all >> (4 * (16 - length));
        return length;
    }

    /// <summary>Eight nibbles, one per byte with the most significant in the lowest byte, as a 32-bit value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Combine(ulong x)
    {
        x = ((x & 0x00FF_00FF_00FF_00FF) << 4) | ((x >> 8) & 0x00FF_00FF_00FF_00FF);
        x = ((x & 0x0000_FFFF_0000_FFFF) << 8) | ((x >> 16) & 0x0000_FFFF_0000_FFFF);
        return (uint)(((x & 0xFFFF_FFFF) << 16) | (x >> 32));
    }

    /// <summary>The value of each byte as a hex digit, 0xFF for a byte that is not one.</summary>
    private static ReadOnlySpan<byte> HexValues =>
    [
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 255, 255, 255, 255, 255,
        255, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    ];

    /// <summary>Parses a decimal up to <see cref="ulong.MaxValue"/>; returns how many bytes it consumed (0: none, or too large).</summary>
    /// <param name="text">The text, starting at the first digit.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ParseDecimal(ReadOnlySpan<byte> text, out ulong value)
    {
        ulong v = 0;
        var i = 0;
        for (; i < text.Length; i++)
        {
            uint d = (uint)text[i] - '0';
            if (d > 9)
                break;
            if (i >= 19 && (v > (ulong.MaxValue - d) / 10))
            {
                value = 0;
                return 0;
            }
            v = v * 10 + d;
        }
        value = v;
        return i;
    }

    /// <summary>
    /// The index of <paramref name="value"/> in <paramref name="text"/>, or −1: the first 32 bytes are searched inline
    /// with two vector compares (the fields of a trace line are short), the rest by <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, T)"/>.
    /// </summary>
    /// <param name="text">Where to search.</param>
    /// <param name="value">What to find.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfNear(ReadOnlySpan<byte> text, byte value)
    {
        if (text.Length >= 32 && Vector128.IsHardwareAccelerated)
        {
            var needle = Vector128.Create(value);
            var mask = Vector128.Equals(Vector128.Create(text), needle).ExtractMostSignificantBits()
                | (Vector128.Equals(Vector128.Create(text[16..]), needle).ExtractMostSignificantBits() << 16);
            if (mask != 0)
                return BitOperations.TrailingZeroCount(mask);
            var rest = text[32..].IndexOf(value);
            return rest < 0 ? -1 : 32 + rest;
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == value)
                return i;
        }
        return -1;
    }

    /// <summary>True for an ASCII digit.</summary>
    /// <param name="c">The byte.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    /// <summary>The first index at or after <paramref name="from"/> that is not a space.</summary>
    /// <param name="text">The text.</param>
    /// <param name="from">Where to start.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SkipSpaces(ReadOnlySpan<byte> text, int from)
    {
        if (from == 0 && text.Length >= 16 && Vector128.IsHardwareAccelerated)
        {
            // A line's leading spaces (a right-aligned comm) in one compare.
            var notSpace = ~Vector128.Equals(Vector128.Create(text), Vector128.Create((byte)' ')).ExtractMostSignificantBits() & 0xFFFF;
            if (notSpace != 0)
                return BitOperations.TrailingZeroCount(notSpace);
            from = 16;
        }
        while (from < text.Length && text[from] == (byte)' ')
            from++;
        return from;
    }

    /// <summary>The end of <paramref name="text"/>[..<paramref name="end"/>] with trailing spaces removed.</summary>
    /// <param name="text">The text.</param>
    /// <param name="start">The lowest index to go back to.</param>
    /// <param name="end">The exclusive end.</param>
    public static int TrimEnd(ReadOnlySpan<byte> text, int start, int end)
    {
        while (end > start && text[end - 1] == (byte)' ')
            end--;
        return end;
    }

    /// <summary>Where the run of digits that ends at <paramref name="end"/> starts (== end when there is none).</summary>
    /// <param name="text">The text.</param>
    /// <param name="start">The lowest index to go back to.</param>
    /// <param name="end">The exclusive end of the run.</param>
    public static int DigitsStart(ReadOnlySpan<byte> text, int start, int end)
    {
        while (end > start && IsDigit(text[end - 1]))
            end--;
        return end;
    }

    /// <summary>A character of an event or subsystem name: lower-case letter, digit or underscore.</summary>
    /// <param name="c">The byte.</param>
    public static bool IsNameChar(byte c) => (uint)(c - 'a') <= 25 || IsDigit(c) || c == (byte)'_';

    /// <summary>
    /// True when <paramref name="text"/> is an event name, optionally with a perf subsystem (<c>kvm:kvm_exit</c>):
    /// lower-case letters, digits and underscores, starting with a letter.
    /// </summary>
    /// <param name="text">The candidate.</param>
    /// <param name="nameOffset">Where the name starts, after the subsystem.</param>
    public static bool IsEventName(ReadOnlySpan<byte> text, out int nameOffset)
    {
        nameOffset = 0;
        if (text.IsEmpty || (uint)(text[0] - 'a') > 25)
            return false;
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (IsNameChar(c))
                continue;
            if (c == (byte)':' && nameOffset == 0 && i + 1 < text.Length && (uint)(text[i + 1] - 'a') <= 25)
            {
                nameOffset = i + 1;
                continue;
            }
            return false;
        }
        return true;
    }

    /// <summary>True when the bytes hold a control character other than tab (binary data, not text).</summary>
    /// <param name="text">The line.</param>
    public static bool HasControlBytes(ReadOnlySpan<byte> text)
    {
        foreach (var c in text)
        {
            if (c < 0x20 && c != (byte)'\t' && c != (byte)'\r')
                return true;
            if (c == 0x7F)
                return true;
        }
        return false;
    }

    /// <summary>FNV-1a over <paramref name="text"/>, never 0.</summary>
    /// <param name="text">The bytes.</param>
    public static ulong Hash(ReadOnlySpan<byte> text)
    {
        var h = HashSeed;
        foreach (var c in text)
            h = (h ^ c) * 0x100_0000_01B3;
        return h == 0 ? 1 : h;
    }
}
