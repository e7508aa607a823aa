using System;
using System.Collections.Generic;

namespace HvCall.Hypervisor.Memory;

/// <summary>
/// A partition's guest physical memory: sparse 4 KiB pages allocated on first touch, every access
/// bounds-checked. An address outside the partition is a <see langword="false"/> return (which the
/// dispatcher turns into a status), never an exception.
/// </summary>
public sealed class GuestMemory
{
    /// <summary>Size of a page.</summary>
    public const int PageSize = 4096;

    private readonly Dictionary<ulong, byte[]> _pages = [];

    /// <summary>Memory of <paramref name="size"/> bytes, all reading as zero.</summary>
    /// <param name="size">The size in bytes; a positive multiple of 4096.</param>
    /// <exception cref="ArgumentOutOfRangeException">The size is zero or not page aligned.</exception>
    public GuestMemory(ulong size)
    {
        if (size == 0 || size % PageSize != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "Guest memory size must be a positive multiple of 4096 bytes.");
        Size = size;
    }

    /// <summary>The size in bytes; valid GPAs are 0 to Size − 1.</summary>
    public ulong Size { get; }

    /// <summary>How many pages have been touched.</summary>
    public int ResidentPages => _pages.Count;

    /// <summary>True when the range lies inside the partition.</summary>
    /// <param name="gpa">Start address.</param>
    /// <param name="length">Length in bytes.</param>
    public bool Contains(ulong gpa, int length) =>
        length >= 0 && gpa <= Size && (ulong)length <= Size - gpa;

    /// <summary>A span over a range that lies inside one page.</summary>
    /// <param name="gpa">Start address.</param>
    /// <param name="length">Length in bytes (the range must not cross a page).</param>
    /// <param name="span">The bytes, shared with guest memory.</param>
    /// <returns>False when the range is outside the partition or crosses a page.</returns>
    public bool TryGetSpan(ulong gpa, int length, out Span<byte> span)
    {
        var offset = (int)(gpa % PageSize);
        if (!Contains(gpa, length) || length > PageSize - offset)
        {
            span = default;
            return false;
        }
        span = PageAt(gpa / PageSize).AsSpan(offset, length);
        return true;
    }

    /// <summary>Copies guest memory out; the range may cross pages.</summary>
    /// <param name="gpa">Start address.</param>
    /// <param name="destination">Receives the bytes.</param>
    /// <returns>False when any byte is outside the partition; nothing is copied then.</returns>
    public bool TryRead(ulong gpa, Span<byte> destination)
    {
        if (!Contains(gpa, destination.Length))
            return false;
        while (!destination.IsEmpty)
        {
            var offset = (int)(gpa % PageSize);
            var chunk = Math.Min(destination.Length, PageSize - offset);
            if (_pages.TryGetValue(gpa / PageSize, out var page))
                page.AsSpan(offset, chunk).CopyTo(destination);
            else
                destination[..chunk].Clear();
            destination = destination[chunk..];
            gpa += (ulong)chunk;
        }
        return true;
    }

    /// <summary>Copies into guest memory; the range may cross pages.</summary>
    /// <param name="gpa">Start address.</param>
    /// <param name="source">The bytes.</param>
    /// <returns>False when any byte is outside the partition; nothing is written then.</returns>
    public bool TryWrite(ulong gpa, ReadOnlySpan<byte> source)
    {
        if (!Contains(gpa, source.Length))
            return false;
        while (!source.IsEmpty)
        {
            var offset = (int)(gpa % PageSize);
            var chunk = Math.Min(source.Length, PageSize - offset);
            source[..chunk].CopyTo(PageAt(gpa / PageSize).AsSpan(offset, chunk));
            source = source[chunk..];
            gpa += (ulong)chunk;
        }
        return true;
    }

    /// <summary>The backing array of a page, for host code that shares a page with guest code.</summary>
    /// <param name="gpa">Any address inside the page.</param>
    /// <exception cref="ArgumentOutOfRangeException">The address is outside the partition (host misuse).</exception>
    public byte[] PageArray(ulong gpa)
    {
        if (gpa >= Size)
            throw new ArgumentOutOfRangeException(nameof(gpa), $"GPA 0x{gpa:X} is outside this partition's {Size} bytes.");
        return PageAt(gpa / PageSize);
    }

    private byte[] PageAt(ulong pageNumber)
    {
        if (!_pages.TryGetValue(pageNumber, out var page))
        {
            page = new byte[PageSize];
            _pages.Add(pageNumber, page);
        }
        return page;
    }
}
