using System;
using System.Collections.Generic;
using HvCall.VmBus.Gpadl;
using Xunit;

namespace HvCall.VmBus.Tests.Gpadl;

/// <summary>
/// The guest split (vmbus-datapath.md §2 "How Linux builds it"): header 28 + 8·min(pages, 26) bytes, bodies
/// 16 + 8·n with n ≤ 28, at most 240 bytes. Expected lengths are typed from the sheet, not computed.
/// </summary>
public sealed class GpadlMessagesTests
{
    public static TheoryData<int, int[]> Boundaries => new()
    {
        { 1, [36] },
        { 8, [92] },                       // hv_utils: 2 × 16 KiB rings (sheet example)
        { 25, [228] },
        { 26, [236] },                     // header full, no body
        { 27, [236, 24] },                 // one PFN spills into a body
        { 54, [236, 240] },                // 26 + 28: one full body
        { 55, [236, 240, 24] },
        { 82, [236, 240, 240] },           // 26 + 2 × 28
        { 83, [236, 240, 240, 24] },
    };

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void MessageLengthsAtBoundaries(int pages, int[] expected)
    {
        Assert.Equal(expected.Length, GpadlMessages.MessageCount(pages));
        Assert.Equal(expected, Lengths(pages));
    }

    [Fact]
    public void TwoMebibyteRingsTakeAHeaderAndEighteenBodies()
    {
        // Sheet: 512 pages → header with 26 PFNs + 18 bodies (17 × 28 + 10).
        var lengths = Lengths(512);
        Assert.Equal(19, GpadlMessages.MessageCount(512));
        Assert.Equal(19, lengths.Count);
        Assert.Equal(236, lengths[0]);
        for (var i = 1; i <= 17; i++)
            Assert.Equal(240, lengths[i]);
        Assert.Equal(16 + 80, lengths[18]);
    }

    [Fact]
    public void HvUtilsHeaderMatchesTheSheetExample()
    {
        var pfns = new ulong[8];
        for (var i = 0; i < pfns.Length; i++)
            pfns[i] = 0x100 + (ulong)i;
        var writer = new GpadlMessageWriter(3, 0xE1E10, pfns);
        var buffer = new byte[240];
        Assert.True(writer.TryWriteNext(buffer, out var length));
        Assert.Equal(92, length);
        Assert.Equal(72, BitConverter.ToUInt16(buffer, 16));        // range_buflen
        Assert.Equal(1, BitConverter.ToUInt16(buffer, 18));         // rangecount
        Assert.Equal(32768u, BitConverter.ToUInt32(buffer, 20));    // byte_count
        Assert.Equal(0u, BitConverter.ToUInt32(buffer, 24));        // byte_offset
        Assert.False(writer.TryWriteNext(buffer, out length));
        Assert.Equal(0, length);
    }

    [Fact]
    public void SmallHeaderExactBytes()
    {
        ulong[] pfns = [0x1234, 0xAB_CDEF_0123];
        var writer = new GpadlMessageWriter(5, 0xE1E10, pfns);
        var buffer = new byte[240];
        buffer.AsSpan().Fill(0xCC);
        Assert.True(writer.TryWriteNext(buffer, out var length));
        byte[] expected =
        [
            0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   // msgtype 8, padding
            0x05, 0x00, 0x00, 0x00,                           // child_relid 5
            0x10, 0x1E, 0x0E, 0x00,                           // gpadl 0xE1E10
            0x18, 0x00,                                       // range_buflen 24
            0x01, 0x00,                                       // rangecount 1
            0x00, 0x20, 0x00, 0x00,                           // byte_count 8192
            0x00, 0x00, 0x00, 0x00,                           // byte_offset 0
            0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   // pfn 0x1234
            0x23, 0x01, 0xEF, 0xCD, 0xAB, 0x00, 0x00, 0x00,   // pfn 0xABCDEF0123
        ];
        Assert.Equal(44, length);
        Assert.Equal(expected, buffer[..length]);
        Assert.Equal(0xCC, buffer[length]);                   // nothing written past the message
    }

    [Fact]
    public void BodyExactBytes()
    {
        var pfns = new ulong[27];
        for (var i = 0; i < pfns.Length; i++)
            pfns[i] = (ulong)i + 1;
        pfns[26] = 0x0102_0304_0506_0708;
        var writer = new GpadlMessageWriter(7, 0xE1E11, pfns);
        var buffer = new byte[240];
        Assert.True(writer.TryWriteNext(buffer, out _));
        Assert.Equal(26UL, BitConverter.ToUInt64(buffer, 28 + (25 * 8)));   // last header PFN
        buffer.AsSpan().Fill(0xCC);
        Assert.True(writer.TryWriteNext(buffer, out var length));
        byte[] expected =
        [
            0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   // msgtype 9, padding
            0x00, 0x00, 0x00, 0x00,                           // msgnumber 0
            0x11, 0x1E, 0x0E, 0x00,                           // gpadl 0xE1E11
            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,   // pfn
        ];
        Assert.Equal(24, length);
        Assert.Equal(expected, buffer[..length]);
        Assert.True(writer.IsComplete);
        Assert.Equal(2, writer.MessagesWritten);
    }

    [Fact]
    public void PageLimitFollowsTheU16RangeBufferLength()
    {
        // range_buflen = 8 + 8·pages ≤ 65535 → 8190 pages (65528 bytes).
        Assert.Equal(8190, GpadlMessages.MaxPages);
        Assert.Equal(65528, GpadlMessages.RangeBufferLength(8190));
        Assert.True(GpadlMessages.CanDescribe(8190));
        Assert.False(GpadlMessages.CanDescribe(8191));
        Assert.False(GpadlMessages.CanDescribe(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GpadlMessages.MessageCount(8191));
        Assert.Throws<ArgumentOutOfRangeException>(() => GpadlMessages.MessageCount(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = new GpadlMessageWriter(1, 1, new ulong[8191]); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = new GpadlMessageWriter(1, 1, ReadOnlySpan<ulong>.Empty); });
        Assert.False(GpadlMessageWriter.TryCreate(1, 1, new ulong[8191], out _));
        Assert.False(GpadlMessageWriter.TryCreate(1, 1, [], out _));
        Assert.True(GpadlMessageWriter.TryCreate(1, 1, new ulong[8190], out var writer));
        Assert.Equal(1 + 292, writer.MessageCount);           // 8190 − 26 = 8164 = 291 × 28 + 16
    }

    [Fact]
    public void ShortDestinationIsAProgrammingError()
    {
        var threw = false;
        var writer = new GpadlMessageWriter(1, 1, new ulong[3]);
        Assert.Equal(52, writer.NextLength);
        try
        {
            writer.TryWriteNext(new byte[51], out _);
        }
        catch (ArgumentException)
        {
            threw = true;
        }

        Assert.True(threw);
        Assert.True(writer.TryWriteNext(new byte[52], out var length));
        Assert.Equal(52, length);
    }

    [Fact]
    public void DefaultWriterWritesNothing()
    {
        var writer = default(GpadlMessageWriter);
        Assert.True(writer.IsComplete);
        Assert.Equal(0, writer.MessageCount);
        Assert.False(writer.TryWriteNext(new byte[240], out var length));
        Assert.Equal(0, length);
    }

    [Fact]
    public void SheetConstants()
    {
        Assert.Equal(240, GpadlMessages.MaxMessageSize);
        Assert.Equal(26, GpadlMessages.HeaderMaxPfns);
        Assert.Equal(28, GpadlMessages.BodyMaxPfns);
        Assert.Equal(92, GpadlMessages.HeaderLength(8));
        Assert.Equal(236, GpadlMessages.HeaderLength(600));
        Assert.Equal(72, GpadlMessages.RangeBufferLength(8));
    }

    [Fact]
    public void WritingAllocatesNothing()
    {
        var pfns = new ulong[512];
        var buffer = new byte[240];
        WriteAll(pfns, buffer);                               // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var total = 0;
        for (var i = 0; i < 1000; i++)
            total += WriteAll(pfns, buffer);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(19_000, total);
    }

    private static int WriteAll(ulong[] pfns, byte[] buffer)
    {
        var writer = new GpadlMessageWriter(1, 2, pfns);
        var count = 0;
        while (writer.TryWriteNext(buffer, out _))
            count++;
        return count;
    }

    private static List<int> Lengths(int pages)
    {
        var pfns = new ulong[pages];
        var writer = new GpadlMessageWriter(1, 0xE1E10, pfns);
        var buffer = new byte[240];
        var lengths = new List<int>();
        while (writer.TryWriteNext(buffer, out var length))
            lengths.Add(length);
        return lengths;
    }
}
