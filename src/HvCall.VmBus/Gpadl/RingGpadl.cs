using System;

namespace HvCall.VmBus.Gpadl;

/// <summary>Why a GPADL cannot serve as a channel's ring area, or cannot be split where OPENCHANNEL asks.</summary>
/// <remarks>vmbus-datapath.md §2 (OpenVMM <c>AlignedGpadlView</c>), §3 (each ring = 1 control page + N data pages).</remarks>
public enum RingGpadlError
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The GPADL has more than one range.</summary>
    NotSingleRange,
    /// <summary>The range's <c>byte_offset</c> is not 0.</summary>
    NonZeroOffset,
    /// <summary>The range's <c>byte_count</c> is not a multiple of 4096.</summary>
    NotPageMultiple,
    /// <summary><c>downstream_ringbuffer_pageoffset</c> is 0 or not below the page count.</summary>
    SplitOutOfRange,
    /// <summary>The upstream (guest→host) ring has fewer than 2 pages (1 control + ≥ 1 data).</summary>
    UpstreamTooSmall,
    /// <summary>The downstream (host→guest) ring has fewer than 2 pages (1 control + ≥ 1 data).</summary>
    DownstreamTooSmall,
}

/// <summary>
/// The two rings of one channel inside its ring GPADL: pages [0, offset) are the upstream ring (guest sends, host
/// receives), pages [offset, end) the downstream ring (host sends, guest receives). Each list starts with the
/// ring's 4 KiB control page, followed by its data pages.
/// </summary>
/// <remarks>vmbus-datapath.md §3 ("Memory arrangement of one channel"; OpenVMM <c>make_rings</c>).</remarks>
public readonly struct RingGpadlPages
{
    /// <summary>Creates the pair.</summary>
    /// <param name="upstream">Pages [0, offset): the guest→host ring.</param>
    /// <param name="downstream">Pages [offset, end): the host→guest ring.</param>
    public RingGpadlPages(ReadOnlyMemory<ulong> upstream, ReadOnlyMemory<ulong> downstream)
    {
        Upstream = upstream;
        Downstream = downstream;
    }

    /// <summary>The guest→host ring's PFNs (the host's incoming ring, the guest's outgoing ring).</summary>
    public ReadOnlyMemory<ulong> Upstream { get; }

    /// <summary>The host→guest ring's PFNs (the host's outgoing ring, the guest's incoming ring).</summary>
    public ReadOnlyMemory<ulong> Downstream { get; }
}

/// <summary>
/// Checks a GPADL named by OPENCHANNEL as a ring area and splits it at
/// <c>downstream_ringbuffer_pageoffset</c>.
/// </summary>
/// <remarks>vmbus-datapath.md §2 ("A ring GPADL must be a single range, offset 0, length a multiple of 4096 … and the
/// split offset must satisfy 0 &lt; offset &lt; pages"), §3, §9 step 2.</remarks>
public static class RingGpadl
{
    /// <summary>Pages a ring needs at least: its control page and one data page.</summary>
    public const int MinimumRingPages = 2;

    /// <summary>
    /// Splits a ring GPADL: one range, <c>byte_offset</c> 0, <c>byte_count</c> a multiple of 4096; then
    /// 0 &lt; <paramref name="downstreamPageOffset"/> &lt; pages, and each side at least
    /// <see cref="MinimumRingPages"/> pages. The PFN lists are slices of <paramref name="ranges"/> (no copy).
    /// </summary>
    /// <param name="ranges">A created GPADL's ranges (<see cref="GpadlTable.TryGetCreated"/>).</param>
    /// <param name="downstreamPageOffset">OPENCHANNEL <c>downstream_ringbuffer_pageoffset</c> (guest input).</param>
    /// <param name="pages">The two rings, or default.</param>
    /// <param name="error">Why the split is refused, or <see cref="RingGpadlError.None"/>.</param>
    /// <returns>Whether the GPADL is a valid ring area split at that offset.</returns>
    public static bool TrySplit(GpaRangeList ranges, uint downstreamPageOffset, out RingGpadlPages pages, out RingGpadlError error)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        pages = default;
        error = Check(ranges, downstreamPageOffset);
        if (error != RingGpadlError.None)
            return false;

        var all = ranges[0].Pfns;
        var split = (int)downstreamPageOffset;
        pages = new RingGpadlPages(all[..split], all[split..]);
        return true;
    }

    private static RingGpadlError Check(GpaRangeList ranges, uint downstreamPageOffset)
    {
        if (ranges.RangeCount != 1)
            return RingGpadlError.NotSingleRange;
        var range = ranges[0];
        if (range.ByteOffset != 0)
            return RingGpadlError.NonZeroOffset;
        if (range.ByteCount % GpaRangeList.PageSize != 0)
            return RingGpadlError.NotPageMultiple;

        // A validated range with offset 0 and a page-multiple count has exactly count / 4096 PFNs.
        var total = (uint)range.Pfns.Length;
        if (downstreamPageOffset == 0 || downstreamPageOffset >= total)
            return RingGpadlError.SplitOutOfRange;
        if (downstreamPageOffset < MinimumRingPages)
            return RingGpadlError.UpstreamTooSmall;
        if (total - downstreamPageOffset < MinimumRingPages)
            return RingGpadlError.DownstreamTooSmall;
        return RingGpadlError.None;
    }
}
