using System;
using System.Collections.Generic;
using HvCall.VmBus.Rings;
using HvCall.VmBus.Tests.Rings.Support;
using Xunit;

namespace HvCall.VmBus.Tests.Rings;

/// <summary>
/// Seeded random sequences of writes, commits, reads, masks and blocked-producer arming over one ring, checked
/// against a model queue kept in cumulative byte counts: nothing lost, duplicated, corrupted or reordered; a
/// write that does not fit is Full and leaves every byte unchanged; a packet that can never fit is
/// PacketTooLarge; indices are published only by Commit; both Commit results follow the signalling rules.
/// Sizes and rules come from vmbus-datapath.md §3 (free space, 8 bytes always free), §4 (packet format,
/// trailer) and §5 (signalling).
/// </summary>
public sealed class RingPropertyTests
{
    private const int Seeds = 200;
    private const int OperationsPerSeed = 300;

    public static TheoryData<bool, int> Layouts() => new()
    {
        { true, 1 }, { true, 2 }, { true, 3 }, { true, 5 },
        { false, 1 }, { false, 2 }, { false, 4 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Random_traffic_matches_a_model_queue(bool paged, int dataPages)
    {
        var stats = new Stats();
        for (var seed = 1; seed <= Seeds; seed++)
        {
            try
            {
                RunSeed(paged, dataPages, seed, stats);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"paged={paged} pages={dataPages} seed={seed}: {ex.Message}", ex);
            }
        }
        // The schedule really exercised every path.
        Assert.True(stats.Full > 100, $"Full {stats.Full}");
        Assert.True(stats.TooLarge > 10, $"TooLarge {stats.TooLarge}");
        Assert.True(stats.Wraps > 100, $"Wraps {stats.Wraps}");
        Assert.True(stats.BatchedCommits > 100, $"Batched {stats.BatchedCommits}");
        Assert.True(stats.ReadTooSmall > 10, $"ReadTooSmall {stats.ReadTooSmall}");
        Assert.True(stats.WriteSignals > 100 && stats.ReadSignals > 10, $"signals {stats.WriteSignals}/{stats.ReadSignals}");
    }

    private sealed class Stats
    {
        public int Full;
        public int TooLarge;
        public int Wraps;
        public int BatchedCommits;
        public int ReadTooSmall;
        public int WriteSignals;
        public int ReadSignals;
    }

    private sealed record Packet(ushort Type, ushort Flags, ulong TransactionId, byte[] Payload)
    {
        public int RingBytes => Sheet.RingBytes(Payload.Length);
    }

    private static void RunSeed(bool paged, int dataPages, int seed, Stats stats)
    {
        var random = new Random(seed * 7919 + dataPages);
        var ring = TestRing.Create(paged, dataPages, seed);
        var dsize = ring.DataSize;
        Assert.Equal(dataPages * 4096, dsize);
        new RingControl(ring.Memory).InitializeAsGuest();
        Assert.Equal(1u, ring.Control32(Sheet.FeatureBits));

        // Random garbage in the data area: the ring must not depend on it being zero (padding is written).
        for (var i = 0; i < dataPages; i++)
            random.NextBytes(ring.DataPage(i));

        var writer = new OutgoingRing(ring.Memory);
        var reader = new IncomingRing(ring.Memory);
        Assert.Equal(RingStatus.Ok, writer.Status);
        Assert.Equal(RingStatus.Ok, reader.Status);

        // Model, in cumulative bytes: written (private), written and published, read (private), read and published.
        long written = 0, published = 0, read = 0, released = 0;
        var queue = new Queue<Packet>();      // every packet written and not yet read, oldest first
        var unpublished = 0;                  // how many of the newest packets in the queue are not yet published
        var masked = false;
        uint pending = 0;
        var maxPacket = dsize - 8;            // §3: at least 8 bytes always stay free

        void CheckIndices()
        {
            Assert.Equal((uint)(published % dsize), ring.Control32(Sheet.WriteIndex));
            Assert.Equal((uint)(released % dsize), ring.Control32(Sheet.ReadIndex));
            Assert.Equal(pending, ring.Control32(Sheet.PendingSendSize));
            Assert.Equal(masked ? 1u : 0u, ring.Control32(Sheet.InterruptMask));
        }

        for (var op = 0; op < OperationsPerSeed; op++)
        {
            var choice = random.Next(100);
            if (choice < 45)
            {
                var packet = NewPacket(random, dsize);
                var total = packet.RingBytes;
                var before = ring.Snapshot();
                var uncommittedBefore = writer.Uncommitted;
                var status = random.Next(3) == 0
                    ? WriteSplit(writer, packet, random)
                    : writer.TryWrite((VmBusPacketType)packet.Type, packet.TransactionId, packet.Payload, packet.Flags);
                if (total > maxPacket)
                {
                    Assert.Equal(RingStatus.PacketTooLarge, status);
                    Assert.True(ring.Unchanged(before), "PacketTooLarge changed ring bytes");
                    stats.TooLarge++;
                }
                else if (written - released + total > dsize - 8)
                {
                    Assert.Equal(RingStatus.Full, status);
                    Assert.True(ring.Unchanged(before), "Full changed ring bytes");
                    Assert.Equal(uncommittedBefore, writer.Uncommitted);
                    stats.Full++;
                    if (random.Next(2) == 0)
                    {
                        // A blocked producer: pending_send_sz = max(needed, max_packet/4) rounded up to 8; no room yet.
                        Assert.False(writer.ArmPendingSend(total));
                        pending = Sheet.PendingFor(total, dsize);
                    }
                }
                else
                {
                    Assert.Equal(RingStatus.Ok, status);
                    var start = (int)(written % dsize);
                    CheckPacketBytes(ring, start, packet);
                    if (start + total > dsize)
                        stats.Wraps++;
                    written += total;
                    queue.Enqueue(packet);
                    unpublished++;
                    Assert.Equal((int)(written - published), writer.Uncommitted);
                    if (pending != 0)
                    {
                        writer.ClearPendingSend();
                        pending = 0;
                    }
                }
            }
            else if (choice < 57)
            {
                // §5: signal iff interrupt_mask == 0 and read_index == the write index before this commit.
                var expected = written != published && !masked && released == published;
                if (unpublished > 1)
                    stats.BatchedCommits++;
                Assert.Equal(expected, writer.Commit());
                if (expected)
                    stats.WriteSignals++;
                published = written;
                unpublished = 0;
            }
            else if (choice < 90)
            {
                var small = random.Next(5) == 0;
                var buffer = new byte[small ? random.Next(0, 200) : dsize];
                var status = reader.TryRead(buffer, out var descriptor, out var length);
                var visible = queue.Count - unpublished;
                var readCount = (int)CountRead(queue, read - released);
                if (read == published)
                {
                    Assert.Equal(RingStatus.Empty, status);
                    continue;
                }
                var packet = PeekUnread(queue, readCount);
                Assert.True(visible > readCount);
                if (Sheet.Padded(packet.Payload.Length) > buffer.Length)
                {
                    Assert.Equal(RingStatus.PacketTooLarge, status);
                    Assert.Equal(RingStatus.Ok, reader.Status);
                    stats.ReadTooSmall++;
                    continue;
                }
                Assert.Equal(RingStatus.Ok, status);
                Assert.Equal(packet.Type, (ushort)descriptor.Type);
                Assert.Equal(2, descriptor.DataOffset8);
                Assert.Equal(Sheet.Len8(packet.Payload.Length), descriptor.Length8);
                Assert.Equal(packet.Flags, descriptor.Flags);
                Assert.Equal(packet.TransactionId, descriptor.TransactionId);
                Assert.Equal(Sheet.Padded(packet.Payload.Length), length);
                Assert.Equal(packet.Payload, buffer.AsSpan(0, packet.Payload.Length).ToArray());
                for (var i = packet.Payload.Length; i < length; i++)
                    Assert.Equal(0, buffer[i]);
                read += packet.RingBytes;
            }
            else if (choice < 97)
            {
                // §5: with feature bit 1, signal iff pending (low 3 bits masked) != 0 and freeBefore < pending <= freeAfter,
                // free = dsize - used - 8 against the published write index.
                var freeBefore = dsize - (published - released) - 8;
                var freeAfter = dsize - (published - read) - 8;
                var expected = read != released && pending != 0 && freeBefore < pending && pending <= freeAfter;
                Assert.Equal(expected, reader.Commit());
                if (expected)
                    stats.ReadSignals++;
                while (released < read)
                {
                    released += queue.Dequeue().RingBytes;
                }
                Assert.Equal(read, released);
            }
            else if (random.Next(2) == 0)
            {
                reader.MaskInterrupts();
                masked = true;
            }
            else
            {
                // Unmask, then look again: true iff published data is waiting past the reader's position.
                Assert.Equal(published != read, reader.UnmaskInterrupts());
                masked = false;
            }
            CheckIndices();
        }

        // Drain: publish everything, read everything, in order.
        writer.Commit();
        published = written;
        var drain = new byte[dsize];
        var skip = (int)CountRead(queue, read - released);
        var index = 0;
        foreach (var packet in queue)
        {
            if (index++ < skip)
                continue;
            Assert.Equal(RingStatus.Ok, reader.TryRead(drain, out var descriptor, out _));
            Assert.Equal(packet.TransactionId, descriptor.TransactionId);
            Assert.Equal(packet.Payload, drain.AsSpan(0, packet.Payload.Length).ToArray());
        }
        Assert.Equal(RingStatus.Empty, reader.TryRead(drain, out _, out _));
        reader.Commit();
        Assert.Equal(ring.Control32(Sheet.WriteIndex), ring.Control32(Sheet.ReadIndex));
        Assert.Equal(-1, ring.FirstDamagedGuard());
    }

    /// <summary>How many packets at the head of the queue have been read privately (their bytes sum to <paramref name="readBytes"/>).</summary>
    private static long CountRead(Queue<Packet> queue, long readBytes)
    {
        long count = 0, sum = 0;
        foreach (var packet in queue)
        {
            if (sum == readBytes)
                break;
            sum += packet.RingBytes;
            count++;
        }
        Assert.Equal(readBytes, sum);
        return count;
    }

    private static Packet PeekUnread(Queue<Packet> queue, int skip)
    {
        var index = 0;
        foreach (var packet in queue)
        {
            if (index++ == skip)
                return packet;
        }
        throw new InvalidOperationException("model: no unread packet");
    }

    private static Packet NewPacket(Random random, int dsize)
    {
        var size = random.Next(10) switch
        {
            < 4 => random.Next(0, 65),
            < 7 => random.Next(0, dsize / 4),
            < 9 => random.Next(0, dsize),
            _ => dsize - 40 + random.Next(0, 24), // around the never-fits boundary (payload > dsize − 32)
        };
        var payload = new byte[size];
        random.NextBytes(payload);
        var type = random.Next(2) == 0 ? (ushort)6 : (ushort)11;
        var flags = (ushort)random.Next(2);
        var id = ((ulong)(uint)random.Next() << 33) ^ (ulong)(uint)random.Next();
        return new Packet(type, flags, id, payload);
    }

    private static RingStatus WriteSplit(OutgoingRing writer, Packet packet, Random random)
    {
        var cut = random.Next(0, packet.Payload.Length + 1);
        return writer.TryWrite((VmBusPacketType)packet.Type, packet.TransactionId,
            packet.Payload.AsSpan(0, cut), packet.Payload.AsSpan(cut), packet.Flags);
    }

    /// <summary>§4: descriptor fields, payload, zero padding and trailer (start offset in the upper 32 bits) in ring bytes.</summary>
    private static void CheckPacketBytes(TestRing ring, int start, Packet packet)
    {
        var n = packet.Payload.Length;
        Assert.Equal(packet.Type, ring.Data16(start));
        Assert.Equal(2, ring.Data16(start + 2));
        Assert.Equal(Sheet.Len8(n), ring.Data16(start + 4));
        Assert.Equal(packet.Flags, ring.Data16(start + 6));
        Assert.Equal(packet.TransactionId, ring.Data64(start + 8));
        Assert.Equal(packet.Payload, ring.Data(start + 16, n));
        Assert.All(ring.Data(start + 16 + n, Sheet.Padded(n) - n), b => Assert.Equal(0, b));
        Assert.Equal((ulong)(uint)start << 32, ring.Data64(start + 16 + Sheet.Padded(n)));
    }
}
