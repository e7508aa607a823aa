using System;
using System.Buffers.Binary;
using HvCall.VmBus.Gpadl;
using Xunit;

namespace HvCall.VmBus.Tests.Gpadl;

/// <summary>
/// Host bookkeeping (vmbus-datapath.md §2 "Host side"): reassembly, validation once complete, duplicate ids,
/// dropped bodies, deferred teardown. Messages are built by hand from the sheet's offsets (<see cref="Wire"/>).
/// </summary>
public sealed class GpadlTableTests
{
    private const ulong Pages = 0x10000;

    [Fact]
    public void SinglePageHeaderIsCreatedAndRepliesSuccess()
    {
        var table = new GpadlTable(Pages);
        var result = table.OnHeader(Wire.Header(5, 0xE1E10, 16, 1, Wire.Range(4096, 0), 0x42));
        Assert.Equal(GpadlOutcome.Created, result.Outcome);
        Assert.Equal(GpadlError.None, result.Error);
        Assert.Equal(5u, result.ChildRelId);
        Assert.Equal(0xE1E10u, result.Gpadl);
        Assert.True(result.HasReply);

        var reply = result.WriteReply(new byte[240]).ToArray();
        byte[] expected = [10, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0x10, 0x1E, 0x0E, 0, 0, 0, 0, 0];
        Assert.Equal(expected, reply);

        Assert.True(table.TryGetCreated(0xE1E10, out var relId, out var ranges));
        Assert.Equal(5u, relId);
        Assert.Equal(1, ranges.RangeCount);
        Assert.Equal(4096u, ranges[0].ByteCount);
        Assert.Equal([0x42UL], ranges[0].Pfns.ToArray());
    }

    [Fact]
    public void RefusalReplyCarriesStatusUnsuccessful()
    {
        var table = new GpadlTable(Pages);
        var result = table.OnHeader(Wire.Header(5, 7, 16, 0, Wire.Range(4096, 0), 1));
        Assert.Equal(GpadlOutcome.Refused, result.Outcome);
        Assert.Equal(0x8000_FFFFu, result.CreationStatus);
        var reply = result.WriteReply(new byte[20]).ToArray();
        byte[] expected = [10, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 7, 0, 0, 0, 0xFF, 0xFF, 0x00, 0x80];
        Assert.Equal(expected, reply);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void HeaderThenBodiesComplete()
    {
        var table = new GpadlTable(Pages);
        var pfns = Wire.Pfns(30, 0x1000);
        var header = table.OnHeader(Wire.Header(2, 9, 8 + (30 * 8), 1, Wire.Range(30 * 4096, 0), pfns[..26]));
        Assert.Equal(GpadlOutcome.Pending, header.Outcome);
        Assert.False(header.HasReply);
        Assert.False(table.TryGetCreated(9, out _, out _));

        var body1 = table.OnBody(Wire.Body(9, pfns[26..28]));
        Assert.Equal(GpadlOutcome.Pending, body1.Outcome);
        var body2 = table.OnBody(Wire.Body(9, pfns[28..]));
        Assert.Equal(GpadlOutcome.Created, body2.Outcome);
        Assert.Equal(2u, body2.ChildRelId);                   // the header's relid: bodies carry none

        Assert.True(table.TryGetCreated(9, out _, out var ranges));
        Assert.Equal(pfns, ranges[0].Pfns.ToArray());
        Assert.Equal(GpadlOutcome.Dropped, table.OnBody(Wire.Body(9, [1])).Outcome);   // no longer in progress
    }

    [Fact]
    public void TrailingBytesBeyondRangeBufferLengthAreIgnored()
    {
        var table = new GpadlTable(Pages);
        var message = new byte[240];
        new Random(1).NextBytes(message);
        Wire.Header(3, 4, 16, 1, Wire.Range(100, 0xF00), 0x77).CopyTo(message, 0);
        var result = table.OnHeader(message);
        Assert.Equal(GpadlOutcome.Created, result.Outcome);
        Assert.True(table.TryGetCreated(4, out _, out var ranges));
        Assert.Equal([0x77UL], ranges[0].Pfns.ToArray());
        Assert.Equal(0xF00u, ranges[0].ByteOffset);

        // A partial trailing word never counts: 36 − 1 bytes leaves the PFN incomplete.
        var partial = table.OnHeader(Wire.Header(3, 5, 16, 1, Wire.Range(4096, 0), 0x77).AsSpan(0, 35));
        Assert.Equal(GpadlOutcome.Pending, partial.Outcome);
    }

    [Fact]
    public void MultipleRangesWithOffsets()
    {
        var table = new GpadlTable(Pages);
        // Range 1: offset 0x800, 4096 bytes → 2 PFNs. Range 2: offset 0xFFF, 1 byte → 1 PFN.
        var result = table.OnHeader(Wire.Header(1, 1, 8 * 5, 2, Wire.Range(4096, 0x800), 10, 11, Wire.Range(1, 0xFFF), 12));
        Assert.Equal(GpadlOutcome.Created, result.Outcome);
        Assert.True(table.TryGetCreated(1, out _, out var ranges));
        Assert.Equal(2, ranges.RangeCount);
        Assert.Equal(3, ranges.PageCount);
        Assert.Equal([10UL, 11], ranges[0].Pfns.ToArray());
        Assert.Equal(0x800u, ranges[0].ByteOffset);
        Assert.Equal([12UL], ranges[1].Pfns.ToArray());
        Assert.Equal(1u, ranges[1].ByteCount);
    }

    public static TheoryData<string, byte[], GpadlError> MalformedHeaders => new()
    {
        { "19 bytes", Wire.Header(1, 2, 16, 1, Wire.Range(4096, 0), 1).AsSpan(0, 19).ToArray(), GpadlError.TooShort },
        { "empty", [], GpadlError.TooShort },
        { "type 9", Wire.WithType(Wire.Header(1, 2, 16, 1, Wire.Range(4096, 0), 1), 9), GpadlError.WrongMessageType },
        { "range_buflen 0", Wire.Header(1, 2, 0, 1), GpadlError.RangeBufferLength },
        { "range_buflen 8", Wire.Header(1, 2, 8, 1, Wire.Range(4096, 0)), GpadlError.RangeBufferLength },
        { "range_buflen 17", Wire.Header(1, 2, 17, 1, Wire.Range(4096, 0), 1, 0), GpadlError.RangeBufferLength },
        { "range_buflen 20", Wire.Header(1, 2, 20, 1, Wire.Range(4096, 0), 1, 0), GpadlError.RangeBufferLength },
        { "rangecount 0", Wire.Header(1, 2, 16, 0, Wire.Range(4096, 0), 1), GpadlError.NoRanges },
        { "byte_count 0", Wire.Header(1, 2, 16, 1, Wire.Range(0, 0), 1), GpadlError.EmptyRange },
        { "byte_offset 0x1000", Wire.Header(1, 2, 24, 1, Wire.Range(4096, 0x1000), 1, 2), GpadlError.RangeOffsetTooLarge },
        { "byte_offset 0xFFFFFFFF", Wire.Header(1, 2, 16, 1, Wire.Range(1, 0xFFFF_FFFF), 1), GpadlError.RangeOffsetTooLarge },
        { "too few PFNs", Wire.Header(1, 2, 24, 1, Wire.Range(3 * 4096, 0), 1, 2), GpadlError.RangeInconsistent },
        { "offset pushes a 3rd page", Wire.Header(1, 2, 24, 1, Wire.Range(8192, 1), 1, 2), GpadlError.RangeInconsistent },
        { "words left over", Wire.Header(1, 2, 32, 1, Wire.Range(4096, 0), 1, 2, 3), GpadlError.RangeInconsistent },
        { "rangecount too big", Wire.Header(1, 2, 16, 2, Wire.Range(4096, 0), 1), GpadlError.RangeInconsistent },
        { "rangecount 65535", Wire.Header(1, 2, 16, 0xFFFF, Wire.Range(4096, 0), 1), GpadlError.RangeInconsistent },
        { "huge byte_count", Wire.Header(1, 2, 16, 1, Wire.Range(0xFFFF_FFFF, 0xFFF), 1), GpadlError.RangeInconsistent },
        { "PFN = page count", Wire.Header(1, 2, 16, 1, Wire.Range(4096, 0), Pages), GpadlError.PageOutsidePartition },
        { "PFN max", Wire.Header(1, 2, 24, 1, Wire.Range(8192, 0), 1, ulong.MaxValue), GpadlError.PageOutsidePartition },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void MalformedHeaderIsRefusedWithItsReason(string name, byte[] message, GpadlError reason)
    {
        var table = new GpadlTable(Pages);
        var result = table.OnHeader(message);
        Assert.True(result.Outcome == GpadlOutcome.Refused, name);
        Assert.Equal(reason, result.Error);
        Assert.Equal(0, table.Count);
        Assert.Equal(GpadlOutcome.Dropped, table.OnBody(Wire.Body(2, [1])).Outcome);
    }

    [Fact]
    public void LastValidPfnIsAccepted()
    {
        var table = new GpadlTable(Pages);
        Assert.Equal(GpadlOutcome.Created, table.OnHeader(Wire.Header(1, 2, 16, 1, Wire.Range(4096, 0), Pages - 1)).Outcome);
    }

    [Fact]
    public void InvalidBodyCompletionRefusesAndFreesTheId()
    {
        var table = new GpadlTable(Pages);
        var pfns = Wire.Pfns(27, 1);
        Assert.Equal(GpadlOutcome.Pending, table.OnHeader(Wire.Header(6, 3, 8 + (27 * 8), 1, Wire.Range(27 * 4096, 0), pfns[..26])).Outcome);
        var result = table.OnBody(Wire.Body(3, [Pages + 5]));
        Assert.Equal(GpadlOutcome.Refused, result.Outcome);
        Assert.Equal(GpadlError.PageOutsidePartition, result.Error);
        Assert.Equal(6u, result.ChildRelId);
        Assert.Equal(0, table.Count);
        Assert.Equal(GpadlOutcome.Created, table.OnHeader(Wire.Header(6, 3, 16, 1, Wire.Range(4096, 0), 1)).Outcome);
    }

    [Fact]
    public void DuplicateHandleIsRefusedWithoutDisturbingTheOriginal()
    {
        var table = new GpadlTable(Pages);
        var pfns = Wire.Pfns(27, 100);
        table.OnHeader(Wire.Header(1, 0xE1E10, 8 + (27 * 8), 1, Wire.Range(27 * 4096, 0), pfns[..26]));

        var inProgress = table.OnHeader(Wire.Header(2, 0xE1E10, 16, 1, Wire.Range(4096, 0), 1));
        Assert.Equal(GpadlOutcome.Refused, inProgress.Outcome);
        Assert.Equal(GpadlError.HandleInUse, inProgress.Error);
        Assert.Equal(2u, inProgress.ChildRelId);

        Assert.Equal(GpadlOutcome.Created, table.OnBody(Wire.Body(0xE1E10, pfns[26..])).Outcome);
        var created = table.OnHeader(Wire.Header(1, 0xE1E10, 16, 1, Wire.Range(4096, 0), 1));
        Assert.Equal(GpadlError.HandleInUse, created.Error);
        Assert.True(table.TryGetCreated(0xE1E10, out var relId, out var ranges));
        Assert.Equal(1u, relId);
        Assert.Equal(pfns, ranges[0].Pfns.ToArray());
    }

    [Fact]
    public void BodiesThatFitNoGpadlAreDropped()
    {
        var table = new GpadlTable(Pages);
        Assert.Equal(new GpadlResult(GpadlOutcome.Dropped, GpadlError.UnknownHandle, 0, 77).ToString(),
            table.OnBody(Wire.Body(77, [1, 2])).ToString());
        Assert.Equal(GpadlError.TooShort, table.OnBody(Wire.Body(77, []).AsSpan(0, 15)).Error);
        Assert.Equal(GpadlError.WrongMessageType, table.OnBody(Wire.WithType(Wire.Body(77, [1]), 8)).Error);
        Assert.False(table.OnBody(Wire.Body(77, [1])).HasReply);
        Assert.Throws<InvalidOperationException>(() => table.OnBody(Wire.Body(77, [1])).WriteReply(new byte[20]));
    }

    [Fact]
    public void TeardownOfAFreeGpadlRepliesAtOnce()
    {
        var table = Created(out var gpadl);
        var result = table.Teardown(1, gpadl);
        Assert.Equal(GpadlTeardownOutcome.TornDown, result.Outcome);
        Assert.True(result.HasReply);
        Assert.Equal(0, table.Count);
        Assert.Equal(GpadlError.UnknownHandle, table.Teardown(1, gpadl).Error);
    }

    [Fact]
    public void TeardownIsDeferredWhileInUse()
    {
        var table = Created(out var gpadl);
        Assert.True(table.TryMarkInUse(1, gpadl, out _));
        Assert.True(table.IsInUse(gpadl));

        var result = table.Teardown(1, gpadl);
        Assert.Equal(GpadlTeardownOutcome.Deferred, result.Outcome);
        Assert.False(result.HasReply);
        Assert.True(table.TryGetCreated(gpadl, out _, out _));
        Assert.Equal(GpadlError.TeardownPending, table.Teardown(1, gpadl).Error);
        Assert.False(table.TryMarkInUse(1, gpadl, out var error));
        Assert.Equal(GpadlError.TeardownPending, error);

        Assert.True(table.Release(gpadl));                    // send GPADL_TORNDOWN now
        Assert.Equal(0, table.Count);
        Assert.Throws<InvalidOperationException>(() => table.Release(gpadl));
    }

    [Fact]
    public void ReleaseWithoutTeardownKeepsTheGpadl()
    {
        var table = Created(out var gpadl);
        Assert.True(table.TryMarkInUse(1, gpadl, out _));
        Assert.True(table.TryMarkInUse(1, gpadl, out _));
        Assert.Equal(GpadlTeardownOutcome.Deferred, table.Teardown(1, gpadl).Outcome);
        Assert.False(table.Release(gpadl));                   // one use left
        Assert.True(table.Release(gpadl));

        var again = Created(out gpadl);
        Assert.True(again.TryMarkInUse(1, gpadl, out _));
        Assert.False(again.Release(gpadl));
        Assert.False(again.IsInUse(gpadl));
        Assert.Throws<InvalidOperationException>(() => again.Release(gpadl));
        Assert.Equal(GpadlTeardownOutcome.TornDown, again.Teardown(1, gpadl).Outcome);
    }

    [Fact]
    public void TeardownAndUseOfTheWrongGpadlAreIgnored()
    {
        var table = Created(out var gpadl);
        Assert.Equal(GpadlError.WrongChannel, table.Teardown(2, gpadl).Error);
        Assert.Equal(GpadlTeardownOutcome.Unknown, table.Teardown(2, gpadl).Outcome);
        Assert.False(table.TryMarkInUse(2, gpadl, out var error));
        Assert.Equal(GpadlError.WrongChannel, error);
        Assert.False(table.TryMarkInUse(1, gpadl + 1, out error));
        Assert.Equal(GpadlError.UnknownHandle, error);

        table.OnHeader(Wire.Header(1, 50, 24, 1, Wire.Range(8192, 0), 1));   // in progress
        Assert.Equal(GpadlError.NotCreated, table.Teardown(1, 50).Error);
        Assert.False(table.TryMarkInUse(1, 50, out error));
        Assert.Equal(GpadlError.NotCreated, error);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void TeardownMessagesAreParsed()
    {
        var table = Created(out var gpadl);
        var message = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(message, 11);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), gpadl);
        Assert.Equal(GpadlError.TooShort, table.OnTeardown(message.AsSpan(0, 15)).Error);
        Assert.Equal(GpadlError.WrongMessageType, table.OnTeardown(Wire.WithType(message, 12)).Error);
        Assert.Equal(GpadlTeardownOutcome.TornDown, table.OnTeardown(message).Outcome);
    }

    private static GpadlTable Created(out uint gpadl)
    {
        gpadl = 0xE1E10;
        var table = new GpadlTable(Pages);
        Assert.Equal(GpadlOutcome.Created, table.OnHeader(Wire.Header(1, gpadl, 40, 1, Wire.Range(4 * 4096, 0), 1, 2, 3, 4)).Outcome);
        return table;
    }
}
