using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Finds the line feeds of a buffer in order: 64 bytes at a time it builds a bit mask of the <c>\n</c> positions
/// (four 16-byte vector compares), then hands them out one by one with a trailing-zero count, so a line costs no
/// search call of its own.
/// </summary>
/// <remarks>Every line of trace-formats.md §1 ends with <c>\n</c>; a <c>\r</c> before it is dropped by the parser.</remarks>
internal ref struct NewlineFinder
{
    private readonly ReadOnlySpan<byte> _data;
    private int _block;
    private ulong _mask;

    /// <summary>A finder over <paramref name="data"/>, starting at <paramref name="from"/>.</summary>
    /// <param name="data">The buffer's valid bytes.</param>
    /// <param name="from">Where to start looking.</param>
    public NewlineFinder(ReadOnlySpan<byte> data, int from)
    {
        _data = data;
        _block = from;
        _mask = Mask(data, from);
    }

    /// <summary>The offset of the next line feed, or −1 when there is none left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next()
    {
        while (_mask == 0)
        {
            _block += 64;
            if (_block >= _data.Length)
                return -1;
            _mask = Mask(_data, _block);
        }
        var bit = BitOperations.TrailingZeroCount(_mask);
        _mask &= _mask - 1;
        return _block + bit;
    }

    private static ulong Mask(ReadOnlySpan<byte> data, int at)
    {
        if (at + 64 <= data.Length && Vector128.IsHardwareAccelerated)
        {
            var newline = Vector128.Create((byte)'\n');
            var block = data.Slice(at, 64);
            ulong m0 = Vector128.Equals(Vector128.Create(block), newline).ExtractMostSignificantBits();
            ulong m1 = Vector128.Equals(Vector128.Create(block[16..]), newline).ExtractMostSignificantBits();
            ulong m2 = Vector128.Equals(Vector128.Create(block[32..]), newline).ExtractMostSignificantBits();
            ulong m3 = Vector128.Equals(Vector128.Create(block[48..]), newline).ExtractMostSignificantBits();
            return m0 | (m1 << 16) | (m2 << 32) | (m3 << 48);
        }
        ulong mask = 0;
        var end = Math.Min(data.Length, at + 64);
        for (var i = at; i < end; i++)
        {
            if (data[i] == (byte)'\n')
                mask |= 1UL << (i - at);
        }
        return mask;
    }
}
