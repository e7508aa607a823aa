using System;
using System.Buffers.Text;
using System.Text;

namespace HvCall.Tracing.Kvm;

/// <summary>Builds one line of ASCII text in a caller's byte buffer without allocating (a writer's scratch line).</summary>
internal ref struct Utf8Line
{
    private readonly Span<byte> _buffer;
    private int _length;

    public Utf8Line(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    public void Append(scoped ReadOnlySpan<byte> ascii)
    {
        ascii.CopyTo(_buffer[_length..]);
        _length += ascii.Length;
    }

    public void Append(string ascii) => _length += Encoding.ASCII.GetBytes(ascii, _buffer[_length..]);

    public void Append(char c) => _buffer[_length++] = (byte)c;

    public void Spaces(int count)
    {
        for (var i = 0; i < count; i++)
            _buffer[_length++] = (byte)' ';
    }

    /// <summary>Decimal, right-aligned in <paramref name="width"/> (C's <c>%5lu</c>).</summary>
    public void Decimal(ulong value, int width = 0)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out var written);
        Spaces(width - written);
        Append(digits[..written]);
    }

    /// <summary>Signed decimal (C's <c>%d</c>).</summary>
    public void Decimal(long value)
    {
        Utf8Formatter.TryFormat(value, _buffer[_length..], out var written);
        _length += written;
    }

    /// <summary>Decimal, left-aligned in <paramref name="width"/> (C's <c>%-7d</c>).</summary>
    public void DecimalLeft(ulong value, int width)
    {
        var start = _length;
        Decimal(value);
        Spaces(width - (_length - start));
    }

    /// <summary>Decimal zero-padded to <paramref name="width"/> (C's <c>%03d</c>, <c>%06lu</c>).</summary>
    public void DecimalZeroPadded(ulong value, int width)
    {
        Utf8Formatter.TryFormat(value, _buffer[_length..], out var written, new System.Buffers.StandardFormat('D', (byte)width));
        _length += written;
    }

    /// <summary>Lower-case hex without padding or prefix (C's <c>%x</c>, <c>%llx</c>).</summary>
    public void Hex(ulong value)
    {
        Utf8Formatter.TryFormat(value, _buffer[_length..], out var written, new System.Buffers.StandardFormat('x'));
        _length += written;
    }

    /// <summary><c>0x</c> and lower-case hex (C's <c>0x%llx</c>).</summary>
    public void Hex0x(ulong value)
    {
        Append("0x"u8);
        Hex(value);
    }
}
