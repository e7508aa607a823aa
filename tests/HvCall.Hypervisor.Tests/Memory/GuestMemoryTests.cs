using System;
using HvCall.Hypervisor.Memory;
using Xunit;

namespace HvCall.Hypervisor.Tests.Memory;

/// <summary>
/// Guest physical memory: sparse 4 KiB pages, every access bounds-checked; an address outside the partition is
/// a false return with nothing written; spans never cross a page.
/// </summary>
public sealed class GuestMemoryTests
{
    private const int Page = 4096;
    private const ulong Size = 4 * Page;

    [Theory]
    [InlineData(0UL, 0, true)]
    [InlineData(0UL, 4 * Page, true)]
    [InlineData(Size, 0, true)]
    [InlineData(Size - 1, 1, true)]
    [InlineData(Size - 1, 2, false)]
    [InlineData(Size, 1, false)]
    [InlineData(Size + 1, 0, false)]
    [InlineData(ulong.MaxValue, 1, false)]
    [InlineData(ulong.MaxValue - 2, 8, false)] // would wrap around
    [InlineData(0UL, -1, false)]
    public void Contains_is_exact_at_the_bounds(ulong gpa, int length, bool expected) =>
        Assert.Equal(expected, new GuestMemory(Size).Contains(gpa, length));

    [Fact]
    public void Read_and_write_cross_pages_and_untouched_pages_read_zero()
    {
        var memory = new GuestMemory(Size);
        var data = new byte[Page + 16];
        for (var i = 0; i < data.Length; i++)
            data[i] = (byte)(i * 7 + 1);

        Assert.True(memory.TryWrite(Page - 8, data));
        var back = new byte[data.Length];
        Assert.True(memory.TryRead(Page - 8, back));
        Assert.Equal(data, back);

        var untouched = new byte[Page];
        untouched.AsSpan().Fill(0xEE);
        Assert.True(memory.TryRead(3 * Page, untouched));
        Assert.All(untouched, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Access_outside_memory_fails_and_writes_nothing()
    {
        var memory = new GuestMemory(Size);
        var data = new byte[16];
        data.AsSpan().Fill(0x5A);

        Assert.False(memory.TryWrite(Size - 8, data));
        Assert.False(memory.TryWrite(Size, data[..1]));
        Assert.False(memory.TryWrite(ulong.MaxValue - 4, data));
        var tail = new byte[8];
        Assert.True(memory.TryRead(Size - 8, tail));
        Assert.All(tail, b => Assert.Equal(0, b));

        var buffer = new byte[16];
        buffer.AsSpan().Fill(0x11);
        Assert.False(memory.TryRead(Size - 8, buffer));
        Assert.All(buffer, b => Assert.Equal(0x11, b)); // nothing copied on failure
    }

    [Fact]
    public void Memory_is_one_zeroed_range_and_touched_pages_are_counted()
    {
        var memory = new GuestMemory(Size);
        Assert.Equal(0, memory.BaseAddress % Page); // GPA 0 is page aligned in host memory
        Assert.Equal(0, memory.ResidentPages);
        Assert.True(memory.TryRead(Size / 2 + 12, new byte[64]));
        Assert.Equal(0, memory.ResidentPages); // reading touches nothing
        Assert.True(memory.TryWrite(Size - 8, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
        Assert.Equal(1, memory.ResidentPages);
        Assert.True(memory.TryWrite(Page - 4, new byte[8])); // two pages
        Assert.Equal(3, memory.ResidentPages);
        // The same bytes through the native range: GPA g is BaseAddress + g.
        var tail = new byte[8];
        System.Runtime.InteropServices.Marshal.Copy(memory.BaseAddress + (nint)(Size - 8), tail, 0, 8);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, tail);
    }

    [Fact]
    public void TryGetSpan_shares_guest_memory_within_a_page_and_refuses_crossing_or_outside()
    {
        var memory = new GuestMemory(Size);
        Assert.True(memory.TryGetSpan(Page + 8, 16, out var span));
        span[0] = 0x77;
        var b = new byte[1];
        Assert.True(memory.TryRead(Page + 8, b));
        Assert.Equal(0x77, b[0]);

        Assert.True(memory.TryGetSpan(2 * Page - 16, 16, out _)); // ends exactly at the page end
        Assert.False(memory.TryGetSpan(2 * Page - 8, 16, out var crossing));
        Assert.True(crossing.IsEmpty);
        Assert.False(memory.TryGetSpan(Size - 4, 8, out _));
        Assert.False(memory.TryGetSpan(Size, 1, out _));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(100UL)]
    [InlineData(4097UL)]
    [InlineData((16UL << 30) + 4096)]
    public void Size_must_be_a_positive_multiple_of_the_page(ulong size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuestMemory(size));

    [Fact]
    public void Page_is_the_backing_store_and_outside_is_host_misuse()
    {
        var memory = new GuestMemory(Size);
        var page = memory.Page(2 * Page + 100).Span;
        Assert.Equal(Page, page.Length);
        page[5] = 0x42;
        var b = new byte[1];
        Assert.True(memory.TryRead(2 * Page + 5, b));
        Assert.Equal(0x42, b[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Page(Size));
    }
}
