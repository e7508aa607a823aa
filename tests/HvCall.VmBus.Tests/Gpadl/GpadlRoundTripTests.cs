using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using FsCheck;
using FsCheck.Fluent;
using HvCall.VmBus.Gpadl;
using Microsoft.FSharp.Core;
using Xunit;

namespace HvCall.VmBus.Tests.Gpadl;

/// <summary>
/// Writer → table round trips (FsCheck, fixed seed) and a seeded fuzz loop over garbage and mutated messages:
/// the table must never throw, and every outcome must be consistent with its reason (vmbus-datapath.md §2).
/// </summary>
public sealed class GpadlRoundTripTests
{
    private const ulong Pages = 1UL << 24;

    private static readonly Config Replayed = Config.QuickThrowOnFailure
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x4750_4144_4C00UL), FSharpOption<int>.None)))
        .WithMaxTest(300);

    [Fact]
    public void WriterOutputRebuildsTheSamePfns() => Check.One(Replayed, Prop.ForAll(
        Arb.From(Gen.Choose(1, 600)), Arb.From(Gen.Choose(0, int.MaxValue)), (pages, seed) =>
        {
            var random = new Random(seed);
            var pfns = new ulong[pages];
            for (var i = 0; i < pages; i++)
                pfns[i] = (ulong)random.NextInt64(0, (long)Pages);
            var relId = (uint)random.Next(1, 2048);
            var gpadl = 0xE1E10u + (uint)random.Next(0, 1000);

            var table = new GpadlTable(Pages);
            var writer = new GpadlMessageWriter(relId, gpadl, pfns);
            var buffer = new byte[240];
            var messages = 0;
            GpadlResult last = default;
            while (writer.TryWriteNext(buffer, out var length))
            {
                Assert.InRange(length, 24, 240);
                last = messages == 0 ? table.OnHeader(buffer.AsSpan(0, length)) : table.OnBody(buffer.AsSpan(0, length));
                messages++;
                if (!writer.IsComplete)
                    Assert.Equal(GpadlOutcome.Pending, last.Outcome);
            }

            Assert.Equal(1 + ((Math.Max(0, pages - 26) + 27) / 28), messages);
            Assert.Equal(GpadlOutcome.Created, last.Outcome);
            Assert.Equal(relId, last.ChildRelId);
            Assert.Equal(gpadl, last.Gpadl);
            Assert.True(table.TryGetCreated(gpadl, out var createdRelId, out var ranges));
            Assert.Equal(relId, createdRelId);
            Assert.Equal(1, ranges.RangeCount);
            Assert.Equal((uint)pages * 4096, ranges[0].ByteCount);
            Assert.Equal(0u, ranges[0].ByteOffset);
            Assert.Equal(pfns, ranges[0].Pfns.ToArray());
        }));

    [Fact]
    public void MessagesPaddedToTheMaximumLengthStillRoundTrip()
    {
        // "some clients (e.g. UEFI) always pass the maximum message length": pad every message to 240 with garbage.
        var random = new Random(7);
        for (var pages = 1; pages <= 120; pages++)
        {
            var pfns = new ulong[pages];
            for (var i = 0; i < pages; i++)
                pfns[i] = (ulong)random.NextInt64(0, (long)Pages);
            var table = new GpadlTable(Pages);
            var writer = new GpadlMessageWriter(1, 2, pfns);
            var buffer = new byte[240];
            var first = true;
            GpadlResult last = default;
            while (true)
            {
                random.NextBytes(buffer);
                if (!writer.TryWriteNext(buffer, out _))
                    break;
                last = first ? table.OnHeader(buffer) : table.OnBody(buffer);
                first = false;
            }

            Assert.Equal(GpadlOutcome.Created, last.Outcome);
            Assert.True(table.TryGetCreated(2, out _, out var ranges));
            Assert.Equal(pfns, ranges[0].Pfns.ToArray());
        }
    }

    [Fact]
    public void RandomGarbageNeverThrows()
    {
        var random = new Random(0x5EED);
        var table = new GpadlTable(1024);
        var buffer = new byte[300];
        var seen = new int[4];
        for (var i = 0; i < 5000; i++)
        {
            var length = random.Next(0, buffer.Length + 1);
            random.NextBytes(buffer);
            // Mostly the right type and a handful of ids, so headers, bodies and teardowns meet each other.
            if (length >= 4 && random.Next(4) != 0)
                BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)random.Next(8, 12));
            if (length >= 16 && random.Next(3) != 0)
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(12), (uint)random.Next(0, 8));
            if (length >= 20 && random.Next(2) == 0)
                BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(16), (ushort)(8 * random.Next(0, 40)));
            if (length >= 20 && random.Next(2) == 0)
                BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(18), (ushort)random.Next(0, 4));

            var message = buffer.AsSpan(0, length);
            switch (random.Next(5))
            {
                case 0 or 1: seen[(int)Consistent(table.OnHeader(message), isBody: false)]++; break;
                case 2 or 3: seen[(int)Consistent(table.OnBody(message), isBody: true)]++; break;
                default: Consistent(table.OnTeardown(message)); break;
            }

            if (random.Next(50) == 0)
                table = new GpadlTable((ulong)random.Next(0, 2048));
        }

        Assert.True(seen[(int)GpadlOutcome.Pending] > 0);
        Assert.True(seen[(int)GpadlOutcome.Refused] > 0);
        Assert.True(seen[(int)GpadlOutcome.Dropped] > 0);
    }

    [Fact]
    public void MutatedValidMessagesNeverThrow()
    {
        var random = new Random(0xB17F11);
        var buffer = new byte[240];
        var seen = new int[4];
        for (var round = 0; round < 600; round++)
        {
            var pages = random.Next(1, 90);
            var pfns = new ulong[pages];
            for (var i = 0; i < pages; i++)
                pfns[i] = (ulong)random.Next(0, 4096);
            var table = new GpadlTable(4096);
            var writer = new GpadlMessageWriter(1, (uint)random.Next(0, 3), pfns);
            var first = true;
            while (writer.TryWriteNext(buffer, out var length))
            {
                var mutations = random.Next(0, 4);
                for (var m = 0; m < mutations; m++)
                    buffer[random.Next(0, length)] ^= (byte)(1 << random.Next(8));
                if (random.Next(8) == 0)
                    length = random.Next(0, length);
                var message = buffer.AsSpan(0, length);
                var outcome = first ? Consistent(table.OnHeader(message), isBody: false) : Consistent(table.OnBody(message), isBody: true);
                seen[(int)outcome]++;
                first = false;
            }

            Consistent(table.Teardown(1, (uint)random.Next(0, 3)));
        }

        Assert.True(seen[(int)GpadlOutcome.Created] > 0);
        Assert.True(seen[(int)GpadlOutcome.Refused] > 0);
    }

    private static GpadlOutcome Consistent(GpadlResult result, bool isBody)
    {
        switch (result.Outcome)
        {
            case GpadlOutcome.Pending or GpadlOutcome.Created:
                Assert.Equal(GpadlError.None, result.Error);
                break;
            case GpadlOutcome.Refused:
                Assert.NotEqual(GpadlError.None, result.Error);
                Assert.Equal(20, result.WriteReply(new byte[20]).Length);
                break;
            case GpadlOutcome.Dropped:
                Assert.True(isBody);
                Assert.NotEqual(GpadlError.None, result.Error);
                break;
            default:
                Assert.Fail($"unexpected outcome {result.Outcome}");
                break;
        }

        return result.Outcome;
    }

    private static void Consistent(GpadlTeardownResult result) =>
        Assert.Equal(result.Outcome == GpadlTeardownOutcome.Unknown, result.Error != GpadlError.None);
}

/// <summary>GPADL messages built field by field from the sheet's offsets (vmbus-datapath.md §2), not by the writer.</summary>
internal static class Wire
{
    /// <summary>A range header word: byte_count in the low dword, byte_offset in the high dword.</summary>
    public static ulong Range(uint byteCount, uint byteOffset) => byteCount | ((ulong)byteOffset << 32);

    /// <summary>GPADL_HEADER: type 8, relid @8, gpadl @12, range_buflen @16, rangecount @18, words from @20.</summary>
    public static byte[] Header(uint relId, uint gpadl, int rangeBufferLength, ushort rangeCount, params ulong[] words)
    {
        var message = new byte[20 + (8 * words.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(message, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), relId);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), gpadl);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(16), (ushort)rangeBufferLength);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(18), rangeCount);
        for (var i = 0; i < words.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(message.AsSpan(20 + (8 * i)), words[i]);
        return message;
    }

    /// <summary>GPADL_HEADER with one range header word followed by <paramref name="pfns"/>.</summary>
    public static byte[] Header(uint relId, uint gpadl, int rangeBufferLength, ushort rangeCount, ulong range, ulong[] pfns)
    {
        var words = new ulong[pfns.Length + 1];
        words[0] = range;
        pfns.CopyTo(words, 1);
        return Header(relId, gpadl, rangeBufferLength, rangeCount, words);
    }

    /// <summary>GPADL_BODY: type 9, msgnumber 0 @8, gpadl @12, PFNs from @16.</summary>
    public static byte[] Body(uint gpadl, params ulong[] pfns)
    {
        var message = new byte[16 + (8 * pfns.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(message, 9);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), gpadl);
        for (var i = 0; i < pfns.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(message.AsSpan(16 + (8 * i)), pfns[i]);
        return message;
    }

    /// <summary>A copy of <paramref name="message"/> with another msgtype.</summary>
    public static byte[] WithType(byte[] message, uint type)
    {
        var copy = (byte[])message.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy, type);
        return copy;
    }

    /// <summary>count consecutive PFNs from first.</summary>
    public static ulong[] Pfns(int count, ulong first)
    {
        var pfns = new List<ulong>(count);
        for (var i = 0; i < count; i++)
            pfns.Add(first + (ulong)i);
        return pfns.ToArray();
    }
}
