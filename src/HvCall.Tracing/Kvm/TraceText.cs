using System;

namespace HvCall.Tracing.Kvm;

/// <summary>Byte-level helpers for trace text: numbers, spaces, names. Nothing here allocates.</summary>
internal static class TraceText
{
    /// <summary>FNV-1a offset basis (64-bit).</summary>
    public const ulong HashSeed = 0xCBF2_9CE4_8422_2325;

    /// <summary>Parses up to 16 hex digits; returns how many bytes it consumed (0: none, or more than 16 digits).</summary>
    /// <param name="text">The text, starting at the first digit.</param>
    /// <param name="value">The value.</param>
    public static int ParseHex(ReadOnlySpan<byte> text, out ulong value)
    {
        ulong v = 0;
        var i = 0;
        for (; i < text.Length; i++)
        {
            uint c = text[i];
            uint d = c - '0';
            if (d > 9)
            {
                d = (c | 0x20) - 'a';
                if (d > 5)
                    break;
                d += 10;
            }
            v = (v << 4) | d;
        }
        value = v;
        return i <= 16 ? i : 0;
    }

    /// <summary>Parses a decimal up to <see cref="ulong.MaxValue"/>; returns how many bytes it consumed (0: none, or too large).</summary>
    /// <param name="text">The text, starting at the first digit.</param>
    /// <param name="value">The value.</param>
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

    /// <summary>True for an ASCII digit.</summary>
    /// <param name="c">The byte.</param>
    public static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    /// <summary>The first index at or after <paramref name="from"/> that is not a space.</summary>
    /// <param name="text">The text.</param>
    /// <param name="from">Where to start.</param>
    public static int SkipSpaces(ReadOnlySpan<byte> text, int from)
    {
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
