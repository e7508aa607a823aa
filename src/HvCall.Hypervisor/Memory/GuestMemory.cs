using System;
using System.Buffers;
using System.Runtime.InteropServices;

namespace HvCall.Hypervisor.Memory;

/// <summary>
/// A partition's guest physical memory: one contiguous, zero-filled native range (GPA 0 at <see cref="BaseAddress"/>),
/// every access bounds-checked. An address outside the partition is a <see langword="false"/> return (which the
/// dispatcher turns into a status), never an exception. Because the range is native and contiguous, C code can share
/// it with the simulated hypervisor without copies (HvCall.Native: <c>virt_to_phys(p)</c> is <c>p − base</c>).
/// </summary>
/// <remarks>
/// The range is reserved at once and zero-filled lazily by the operating system (calloc of a large block maps fresh
/// zero pages; only pages that are touched take memory), so a 64 MiB partition costs what its guest uses. It is freed
/// by <see cref="Dispose"/> or, failing that, when the memory and every <see cref="Memory{T}"/> handed out over it are
/// unreachable.
/// </remarks>
public sealed unsafe class GuestMemory : IDisposable
{
    /// <summary>Size of a page.</summary>
    public const int PageSize = 4096;

    /// <summary>The largest partition: 16 GiB of guest physical address space.</summary>
    public const ulong MaxSize = 16UL << 30;

    private readonly NativeRange _range;
    private readonly PageManager?[] _pages;
    private readonly ulong[] _touched;

    /// <summary>Memory of <paramref name="size"/> bytes, all reading as zero.</summary>
    /// <param name="size">The size in bytes; a positive multiple of 4096, at most <see cref="MaxSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The size is zero, not page aligned or too large.</exception>
    /// <exception cref="OutOfMemoryException">The operating system refused the range.</exception>
    public GuestMemory(ulong size)
    {
        if (size == 0 || size % PageSize != 0 || size > MaxSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Guest memory size must be a positive multiple of 4096 bytes, at most {MaxSize >> 30} GiB.");
        Size = size;
        _range = new NativeRange(size);
        var pages = size / PageSize;
        _pages = new PageManager?[pages];
        _touched = new ulong[(pages + 63) / 64];
    }

    /// <summary>The size in bytes; valid GPAs are 0 to Size − 1.</summary>
    public ulong Size { get; }

    /// <summary>The native address of GPA 0 (page aligned). Valid until the memory is disposed.</summary>
    public nint BaseAddress => _range.Address;

    /// <summary>How many pages have been written or handed out (<see cref="TryGetSpan"/>, <see cref="TryWrite"/>, <see cref="Page"/>); native code writing through <see cref="BaseAddress"/> is not counted.</summary>
    public int ResidentPages
    {
        get
        {
            var count = 0;
            foreach (var word in _touched)
                count += System.Numerics.BitOperations.PopCount(word);
            return count;
        }
    }

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
        Touch(gpa / PageSize);
        span = new Span<byte>((byte*)_range.Address + gpa, length);
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
        new ReadOnlySpan<byte>((byte*)_range.Address + gpa, destination.Length).CopyTo(destination);
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
        if (source.IsEmpty)
            return true;
        for (var page = gpa / PageSize; page <= (gpa + (ulong)source.Length - 1) / PageSize; page++)
            Touch(page);
        source.CopyTo(new Span<byte>((byte*)_range.Address + gpa, source.Length));
        return true;
    }

    /// <summary>The 4096 bytes of a page, for host code that shares a page with guest code (SynIC pages, ring pages).</summary>
    /// <param name="gpa">Any address inside the page.</param>
    /// <exception cref="ArgumentOutOfRangeException">The address is outside the partition (host misuse).</exception>
    public Memory<byte> Page(ulong gpa)
    {
        if (gpa >= Size)
            throw new ArgumentOutOfRangeException(nameof(gpa), $"GPA 0x{gpa:X} is outside this partition's {Size} bytes.");
        var index = gpa / PageSize;
        Touch(index);
        return (_pages[index] ??= new PageManager(_range, index * PageSize)).Memory;
    }

    /// <summary>Frees the range; every span and <see cref="Memory{T}"/> over it is invalid afterwards.</summary>
    public void Dispose() => _range.Dispose();

    private void Touch(ulong page) => _touched[page / 64] |= 1UL << (int)(page % 64);

    // The native range: over-allocated by a page and aligned up, so GPA 0 is page aligned in host memory.
    private sealed class NativeRange : SafeHandle
    {
        public NativeRange(ulong size) : base(IntPtr.Zero, ownsHandle: true)
        {
            var raw = NativeMemory.AllocZeroed((nuint)(size + PageSize));
            SetHandle((nint)raw);
            Address = ((nint)raw + PageSize - 1) & ~(nint)(PageSize - 1);
        }

        public nint Address { get; }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            NativeMemory.Free((void*)handle);
            return true;
        }
    }

    // One page as Memory<byte>; holds the range so the range outlives every Memory handed out.
    private sealed class PageManager(NativeRange range, ulong offset) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new((byte*)range.Address + offset, PageSize);

        public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)range.Address + offset + elementIndex, default, this);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
