using System;
using System.Runtime.CompilerServices;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Reads a TP_printk payload left to right: literal keys and the number forms of trace-formats.md §4 item 4
/// (<c>0x</c>-hex, bare hex, unsigned and signed decimal). Spaces before a key or a number are skipped, and so are
/// the <c>CAN'T FIND FIELD "x"</c> / <c>&lt;CANT FIND FIELD x&gt;</c> markers a plugin leaves in a payload (§1.2).
/// </summary>
internal ref struct PayloadCursor
{
    private readonly ReadOnlySpan<byte> _text;
    private int _pos;

    /// <summary>A cursor at the start of <paramref name="text"/>.</summary>
    /// <param name="text">The payload.</param>
    public PayloadCursor(ReadOnlySpan<byte> text)
    {
        _text = text;
        _pos = 0;
        SawMarker = false;
    }

    /// <summary>A field marker was skipped.</summary>
    public bool SawMarker { [MethodImpl(MethodImplOptions.AggressiveInlining)] readonly get; private set; }

    /// <summary>Where the cursor is.</summary>
    public readonly int Position => _pos;

    /// <summary>What is left, from the cursor on.</summary>
    public readonly ReadOnlySpan<byte> Rest => _text[_pos..];

    /// <summary>Only spaces are left.</summary>
    public bool AtEnd
    {
        get
        {
            SkipSpaces();
            return _pos >= _text.Length;
        }
    }

    /// <summary>Matches <paramref name="key"/> (after spaces and markers) followed by a space or the end.</summary>
    /// <param name="key">The literal, such as <c>code</c>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Key(ReadOnlySpan<byte> key)
    {
        // The common case: one space, then the key.
        var p = _pos;
        if (p < _text.Length && _text[p] == (byte)' ')
            p++;
        var rest = _text[p..];
        if (rest.StartsWith(key) && (rest.Length == key.Length || rest[key.Length] == (byte)' '))
        {
            _pos = p + key.Length;
            return true;
        }
        return KeySlow(key);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool KeySlow(ReadOnlySpan<byte> key)
    {
        while (true)
        {
            SkipSpaces();
            var rest = _text[_pos..];
            if (rest.StartsWith(key) && (rest.Length == key.Length || rest[key.Length] == (byte)' '))
            {
                _pos += key.Length;
                return true;
            }
            if (!SkipMarker())
                return false;
        }
    }

    /// <summary>Matches one of two words (<c>fast</c>/<c>slow</c>).</summary>
    /// <param name="yes">The word for true.</param>
    /// <param name="no">The word for false.</param>
    /// <param name="value">Which one matched.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Flag(ReadOnlySpan<byte> yes, ReadOnlySpan<byte> no, out bool value)
    {
        var p = _pos;
        if (p < _text.Length && _text[p] == (byte)' ')
            p++;
        var rest = _text[p..];
        if (rest.Length >= yes.Length && (rest.Length == yes.Length || rest[yes.Length] == (byte)' '))
        {
            if (rest.StartsWith(yes))
            {
                _pos = p + yes.Length;
                value = true;
                return true;
            }
            if (yes.Length == no.Length && rest.StartsWith(no))
            {
                _pos = p + no.Length;
                value = false;
                return true;
            }
        }
        value = Key(yes);
        return value || Key(no);
    }

    /// <summary>Matches <paramref name="prefix"/> (after spaces and markers) with no boundary test after it.</summary>
    /// <param name="prefix">The literal, such as <c>msr_</c>.</param>
    public bool Literal(ReadOnlySpan<byte> prefix)
    {
        while (true)
        {
            SkipSpaces();
            if (_text[_pos..].StartsWith(prefix))
            {
                _pos += prefix.Length;
                return true;
            }
            if (!SkipMarker())
                return false;
        }
    }

    /// <summary>Reads <c>0x</c> and 1 to 16 hex digits (<c>0x%x</c>, <c>0x%llx</c>).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Hex0x(out ulong value)
    {
        SkipSpaces();
        if (_pos + 1 < _text.Length && _text[_pos] == (byte)'0' && (_text[_pos + 1] | 0x20) == (byte)'x')
        {
            _pos += 2;
            return HexDigits(out value);
        }
        value = 0;
        return false;
    }

    /// <summary>Reads 1 to 16 hex digits without a prefix (<c>%x</c>, <c>%llx</c>).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool BareHex(out ulong value)
    {
        SkipSpaces();
        return HexDigits(out value);
    }

    /// <summary>Reads an unsigned decimal (<c>%u</c>, <c>%llu</c>, a non-negative <c>%d</c>).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Decimal(out ulong value)
    {
        SkipSpaces();
        var consumed = TraceText.ParseDecimal(_text[_pos..], out value);
        _pos += consumed;
        return consumed > 0 && Boundary();
    }

    /// <summary>Reads a signed decimal (<c>%d</c>).</summary>
    /// <param name="value">The value.</param>
    public bool SignedDecimal(out long value)
    {
        SkipSpaces();
        var negative = _pos < _text.Length && _text[_pos] == (byte)'-';
        if (negative)
            _pos++;
        var consumed = TraceText.ParseDecimal(_text[_pos..], out var magnitude);
        _pos += consumed;
        value = negative ? -(long)magnitude : (long)magnitude;
        return consumed > 0 && Boundary();
    }

    /// <summary>Reads a decimal that fits an int (<c>vcpu_id %d</c>), refusing a negative or huge value.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool SmallDecimal(out int value)
    {
        var ok = Decimal(out var wide) && wide <= int.MaxValue;
        value = ok ? (int)wide : -1;
        return ok;
    }

    /// <summary>Reads the token up to the next space (or the end).</summary>
    /// <param name="start">Its offset in the payload.</param>
    /// <param name="length">Its length (0 when nothing is left).</param>
    public void Token(out int start, out int length)
    {
        SkipSpaces();
        start = _pos;
        var rest = _text[_pos..];
        var space = TraceText.IndexOfNear(rest, (byte)' ');
        length = space < 0 ? rest.Length : space;
        _pos += length;
    }

    /// <summary>A slice of the payload (for a <see cref="Token"/>).</summary>
    /// <param name="start">Offset in the payload.</param>
    /// <param name="length">Length.</param>
    public readonly ReadOnlySpan<byte> Slice(int start, int length) => _text.Slice(start, length);

    /// <summary>Moves past the first occurrence of <paramref name="needle"/>; stays put when there is none.</summary>
    /// <param name="needle">What to find.</param>
    public bool SkipPast(ReadOnlySpan<byte> needle)
    {
        var at = _text[_pos..].IndexOf(needle);
        if (at < 0)
            return false;
        _pos += at + needle.Length;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool HexDigits(out ulong value)
    {
        var consumed = TraceText.ParseHex(_text[_pos..], out value);
        _pos += consumed;
        return consumed > 0 && Boundary();
    }

    /// <summary>A number ends at a space, the end, or the <c>,</c> of <c>vcpu %u, rip</c> and the <c>[</c> of
    /// <c>0x%lx[immediate exit]</c> (trace-formats.md §2, <c>kvm_entry</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool Boundary() => _pos >= _text.Length || _text[_pos] is (byte)' ' or (byte)',' or (byte)'[';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SkipSpaces()
    {
        while (_pos < _text.Length && _text[_pos] == (byte)' ')
            _pos++;
    }

    private bool SkipMarker()
    {
        var rest = _text[_pos..];
        int end;
        if (rest.StartsWith("CAN'T FIND FIELD \""u8))
        {
            var close = rest[18..].IndexOf((byte)'"');
            end = close < 0 ? -1 : 18 + close + 1;
        }
        else if (rest.StartsWith("<CANT FIND FIELD "u8))
        {
            var close = rest.IndexOf((byte)'>');
            end = close < 0 ? -1 : close + 1;
        }
        else
        {
            return false;
        }
        if (end < 0)
            return false;
        _pos += end;
        SawMarker = true;
        return true;
    }
}
