using System;
using HvCall.Hypervisor.Memory;
using HvCall.Simulation.Scheduling;

namespace HvCall.Simulation.Machines;

/// <summary>One page the guest allocated: its guest physical address and its bytes (shared with the hypervisor).</summary>
/// <param name="Gpa">The page-aligned GPA.</param>
/// <param name="Memory">The 4096 bytes.</param>
public readonly record struct AllocatedPage(ulong Gpa, Memory<byte> Memory)
{
    /// <summary>The page frame number (GPA / 4096).</summary>
    public ulong Pfn => Gpa / GuestMemory.PageSize;
}

/// <summary>
/// The guest's page allocator for ring buffers: pages from <see cref="GuestLayout.RingPool"/>, handed out in a
/// seeded random order, so the pages of one ring are scattered in GPA space as a real kernel's
/// <c>alloc_pages</c> may scatter them, and ring code must follow the GPADL's page list. Pages are zeroed on
/// allocation and never reused within a run.
/// </summary>
public sealed class GuestPageAllocator
{
    private readonly GuestMemory _memory;
    private readonly ulong[] _order;
    private int _next;

    /// <summary>An allocator over the ring pool of <paramref name="memory"/>.</summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="seed">The seed of the page order.</param>
    public GuestPageAllocator(GuestMemory memory, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _memory = memory;
        _order = new ulong[GuestLayout.RingPoolPages];
        for (var i = 0; i < _order.Length; i++)
            _order[i] = GuestLayout.RingPool + (ulong)i * GuestMemory.PageSize;
        var random = new SplitMix64(seed ^ 0x7269_6E67_7061_6765); // "ringpage"
        for (var i = _order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }
    }

    /// <summary>Pages still free.</summary>
    public int FreePages => _order.Length - _next;

    /// <summary>Allocates <paramref name="destination"/>.Length zeroed pages.</summary>
    /// <param name="destination">Receives the pages.</param>
    /// <returns>False when the pool has too few pages left (nothing is allocated then).</returns>
    public bool TryAllocate(Span<AllocatedPage> destination)
    {
        if (destination.Length > FreePages)
            return false;
        for (var i = 0; i < destination.Length; i++)
        {
            var gpa = _order[_next++];
            var page = _memory.Page(gpa);
            page.Span.Clear();
            destination[i] = new AllocatedPage(gpa, page);
        }
        return true;
    }
}
