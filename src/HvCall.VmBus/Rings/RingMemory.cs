using System;

namespace HvCall.VmBus.Rings;

/// <summary>
/// The memory of one VMBus ring: a 4 KiB control page followed by data pages, each given as its own
/// <see cref="Memory{T}"/>, so a ring works over the page list of a GPADL whose pages need not be
/// contiguous in guest physical memory. Resolved once, when the ring is opened.
/// </summary>
/// <remarks>
/// vmbus-datapath.md §3: ring = 1 control page + N data pages; indices are byte offsets into the data
/// area. Linux and OpenVMM map the data pages twice in a row so that a wrapping packet is contiguous;
/// here reads and writes that wrap or cross a page are split instead, so the GPADL lists each page once.
/// </remarks>
public sealed class RingMemory
{
    /// <summary>Size of a page, of the control page, and of each data page.</summary>
    public const int PageSize = 4096;

    private readonly Memory<byte>[] _data;

    /// <summary>A ring over a control page and its data pages.</summary>
    /// <param name="control">The control page (4096 bytes).</param>
    /// <param name="dataPages">The data pages in ring order, each 4096 bytes; at least one.</param>
    /// <exception cref="ArgumentException">A page is not 4096 bytes, or there is no data page (host misuse).</exception>
    public RingMemory(Memory<byte> control, ReadOnlySpan<Memory<byte>> dataPages)
    {
        if (control.Length != PageSize)
            throw new ArgumentException("The control page must be 4096 bytes.", nameof(control));
        if (dataPages.IsEmpty)
            throw new ArgumentException("A ring needs at least one data page.", nameof(dataPages));
        _data = dataPages.ToArray();
        foreach (var page in _data)
        {
            if (page.Length != PageSize)
                throw new ArgumentException("Every data page must be 4096 bytes.", nameof(dataPages));
        }
        Control = control;
        DataSize = _data.Length * PageSize;
    }

    /// <summary>A ring over <paramref name="pages"/> consecutive pages of one array (tests, benchmarks): page 0 is the control page.</summary>
    /// <param name="buffer">The array.</param>
    /// <param name="pageOffset">The first page's index in the array.</param>
    /// <param name="pages">Pages in all, at least 2.</param>
    public static RingMemory Flat(byte[] buffer, int pageOffset, int pages)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfLessThan(pages, 2);
        var data = new Memory<byte>[pages - 1];
        for (var i = 0; i < data.Length; i++)
            data[i] = buffer.AsMemory((pageOffset + 1 + i) * PageSize, PageSize);
        return new RingMemory(buffer.AsMemory(pageOffset * PageSize, PageSize), data);
    }

    /// <summary>The control page.</summary>
    public Memory<byte> Control { get; }

    /// <summary>Bytes of ring data (data pages × 4096).</summary>
    public int DataSize { get; }

    /// <summary>The bytes at <paramref name="offset"/> when all <paramref name="length"/> of them lie in one data page (the common case, taken without splitting).</summary>
    /// <param name="offset">A byte offset below <see cref="DataSize"/>.</param>
    /// <param name="length">Bytes wanted.</param>
    /// <param name="span">The bytes, when contiguous.</param>
    internal bool TryGetContiguous(int offset, int length, out Span<byte> span)
    {
        var inPage = offset & (PageSize - 1);
        if (inPage + length > PageSize)
        {
            span = default;
            return false;
        }
        span = _data[offset / PageSize].Span.Slice(inPage, length);
        return true;
    }

    /// <summary>Copies ring data out, wrapping at the end of the data area.</summary>
    /// <param name="offset">A byte offset below <see cref="DataSize"/>.</param>
    /// <param name="destination">At most <see cref="DataSize"/> bytes.</param>
    internal void Read(int offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var inPage = offset & (PageSize - 1);
            var chunk = Math.Min(destination.Length, PageSize - inPage);
            _data[offset / PageSize].Span.Slice(inPage, chunk).CopyTo(destination);
            destination = destination[chunk..];
            offset += chunk;
            if (offset == DataSize)
                offset = 0;
        }
    }

    /// <summary>Copies into ring data, wrapping at the end of the data area.</summary>
    /// <param name="offset">A byte offset below <see cref="DataSize"/>.</param>
    /// <param name="source">At most <see cref="DataSize"/> bytes.</param>
    internal void Write(int offset, ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            var inPage = offset & (PageSize - 1);
            var chunk = Math.Min(source.Length, PageSize - inPage);
            source[..chunk].CopyTo(_data[offset / PageSize].Span.Slice(inPage, chunk));
            source = source[chunk..];
            offset += chunk;
            if (offset == DataSize)
                offset = 0;
        }
    }

    /// <summary>Writes zero bytes into ring data (packet padding), wrapping.</summary>
    internal void Clear(int offset, int length)
    {
        while (length > 0)
        {
            var inPage = offset & (PageSize - 1);
            var chunk = Math.Min(length, PageSize - inPage);
            _data[offset / PageSize].Span.Slice(inPage, chunk).Clear();
            length -= chunk;
            offset += chunk;
            if (offset == DataSize)
                offset = 0;
        }
    }

    /// <summary>The offset <paramref name="count"/> bytes after <paramref name="offset"/>, modulo the data size.</summary>
    internal int Advance(int offset, int count)
    {
        var next = offset + count;
        return next >= DataSize ? next - DataSize : next;
    }
}
