using System;
using HvCall.VmBus.Gpadl;
using Xunit;

namespace HvCall.VmBus.Tests.Gpadl;

/// <summary>
/// Ring GPADL split (vmbus-datapath.md §2 last bullet, §3): single range, offset 0, page-multiple length,
/// 0 &lt; offset &lt; pages, pages [0, offset) upstream (guest→host), [offset, end) downstream, ≥ 2 pages each.
/// Also the range-list validation the split relies on.
/// </summary>
public sealed class RingGpadlTests
{
    private const ulong Partition = 0x100000;

    [Fact]
    public void HvUtilsRingsSplitInTheMiddle()
    {
        // Sheet §6: hv_utils opens 2 × 16 KiB rings → 8 pages, byte_count 32768, downstream offset 4.
        var ranges = Single(32768, 0, 0x500, 0x501, 0x502, 0x503, 0x600, 0x601, 0x602, 0x603);
        Assert.True(RingGpadl.TrySplit(ranges, 4, out var pages, out var error));
        Assert.Equal(RingGpadlError.None, error);
        Assert.Equal([0x500UL, 0x501, 0x502, 0x503], pages.Upstream.ToArray());
        Assert.Equal([0x600UL, 0x601, 0x602, 0x603], pages.Downstream.ToArray());
    }

    [Fact]
    public void UnevenSplitKeepsEveryPageOnce()
    {
        var ranges = Single(10 * 4096, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        Assert.True(RingGpadl.TrySplit(ranges, 3, out var pages, out _));
        Assert.Equal([0UL, 1, 2], pages.Upstream.ToArray());
        Assert.Equal([3UL, 4, 5, 6, 7, 8, 9], pages.Downstream.ToArray());
    }

    [Fact]
    public void FourPagesIsTheSmallestRingArea()
    {
        var ranges = Single(4 * 4096, 0, 11, 12, 13, 14);
        Assert.True(RingGpadl.TrySplit(ranges, 2, out var pages, out _));
        Assert.Equal([11UL, 12], pages.Upstream.ToArray());
        Assert.Equal([13UL, 14], pages.Downstream.ToArray());
    }

    [Theory]
    [InlineData(0u, RingGpadlError.SplitOutOfRange)]
    [InlineData(8u, RingGpadlError.SplitOutOfRange)]
    [InlineData(9u, RingGpadlError.SplitOutOfRange)]
    [InlineData(0xFFFF_FFFFu, RingGpadlError.SplitOutOfRange)]
    [InlineData(0x8000_0000u, RingGpadlError.SplitOutOfRange)]
    [InlineData(1u, RingGpadlError.UpstreamTooSmall)]
    [InlineData(7u, RingGpadlError.DownstreamTooSmall)]
    public void BadSplitOffsetsAreRefused(uint offset, RingGpadlError reason)
    {
        var ranges = Single(8 * 4096, 0, 1, 2, 3, 4, 5, 6, 7, 8);
        Assert.False(RingGpadl.TrySplit(ranges, offset, out var pages, out var error));
        Assert.Equal(reason, error);
        Assert.True(pages.Upstream.IsEmpty);
        Assert.True(pages.Downstream.IsEmpty);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    public void ThreePagesCannotHoldTwoRings(uint offset)
    {
        var ranges = Single(3 * 4096, 0, 1, 2, 3);
        Assert.False(RingGpadl.TrySplit(ranges, offset, out _, out var error));
        Assert.NotEqual(RingGpadlError.None, error);
    }

    [Fact]
    public void TwoRangesAreNotARing()
    {
        Assert.True(GpaRangeList.TryCreate(2, [Wire.Range(8192, 0), 1, 2, Wire.Range(8192, 0), 3, 4], Partition, out var ranges, out _));
        Assert.False(RingGpadl.TrySplit(ranges, 2, out _, out var error));
        Assert.Equal(RingGpadlError.NotSingleRange, error);
    }

    [Fact]
    public void OffsetRangeIsNotARing()
    {
        var ranges = Single(4 * 4096 - 0x10, 0x10, 1, 2, 3, 4);
        Assert.False(RingGpadl.TrySplit(ranges, 2, out _, out var error));
        Assert.Equal(RingGpadlError.NonZeroOffset, error);
    }

    [Fact]
    public void PartialLastPageIsNotARing()
    {
        var ranges = Single(4 * 4096 - 1, 0, 1, 2, 3, 4);
        Assert.False(RingGpadl.TrySplit(ranges, 2, out _, out var error));
        Assert.Equal(RingGpadlError.NotPageMultiple, error);
    }

    [Fact]
    public void RingFromTheTableSplits()
    {
        var table = new GpadlTable(Partition);
        var pfns = Wire.Pfns(16, 0x2000);
        var writer = new GpadlMessageWriter(4, 0xE1E10, pfns);
        var buffer = new byte[240];
        Assert.True(writer.TryWriteNext(buffer, out var length));
        Assert.Equal(GpadlOutcome.Created, table.OnHeader(buffer.AsSpan(0, length)).Outcome);
        Assert.True(table.TryGetCreated(0xE1E10, out _, out var ranges));
        Assert.True(RingGpadl.TrySplit(ranges, 8, out var pages, out _));
        Assert.Equal(pfns[..8], pages.Upstream.ToArray());
        Assert.Equal(pfns[8..], pages.Downstream.ToArray());
    }

    [Fact]
    public void RangeListValidationReasons()
    {
        Assert.False(GpaRangeList.TryCreate(0, [Wire.Range(4096, 0), 1], Partition, out _, out var error));
        Assert.Equal(GpadlError.NoRanges, error);
        Assert.False(GpaRangeList.TryCreate(1, [], Partition, out _, out error));
        Assert.Equal(GpadlError.RangeInconsistent, error);
        Assert.False(GpaRangeList.TryCreate(1, [Wire.Range(4096, 0xFFF), 1], Partition, out _, out error));
        Assert.Equal(GpadlError.RangeInconsistent, error);   // 0xFFF + 4096 spills into a second page
        Assert.True(GpaRangeList.TryCreate(1, [Wire.Range(4096, 0xFFF), 1, 2], Partition, out var list, out error));
        Assert.Equal(GpadlError.None, error);
        Assert.Equal(2, list.PageCount);
        Assert.Equal(3, list.Words.Length);
        Assert.False(GpaRangeList.TryCreate(1, [Wire.Range(4096, 0), 5], 5, out _, out error));
        Assert.Equal(GpadlError.PageOutsidePartition, error);
        Assert.False(GpaRangeList.TryCreate(1, [Wire.Range(4096, 0), 0], 0, out _, out error));
        Assert.Equal(GpadlError.PageOutsidePartition, error);
        Assert.Throws<ArgumentNullException>(() => GpaRangeList.TryCreate(1, null!, 1, out _, out _));
    }

    private static GpaRangeList Single(uint byteCount, uint byteOffset, params ulong[] pfns)
    {
        var words = new ulong[pfns.Length + 1];
        words[0] = Wire.Range(byteCount, byteOffset);
        pfns.CopyTo(words, 1);
        Assert.True(GpaRangeList.TryCreate(1, words, Partition, out var list, out var error), error.ToString());
        return list;
    }
}
