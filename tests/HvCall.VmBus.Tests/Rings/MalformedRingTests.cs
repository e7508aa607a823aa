using System;
using System.Buffers.Binary;
using HvCall.VmBus.Rings;
using HvCall.VmBus.Tests.Rings.Support;
using Xunit;

namespace HvCall.VmBus.Tests.Rings;

/// <summary>
/// A hostile peer (vmbus-datapath.md §3: indices are multiples of 8 below the data size, anything else is a corrupt
/// ring; §4: readers accept types 6, 7, 9, 11 only, flag bits other than bit 0 are corruption, offset8 ≥ 2; §4/§3:
/// a packet is len8·8 + 8 bytes and cannot run past the published write index). Every case is a status, never an
/// exception, and a reader that found corruption stays corrupt. One data page (4096 data bytes) throughout.
/// </summary>
public sealed class MalformedRingTests
{
    [Theory]
    [InlineData((ushort)6, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.Ok)]
    [InlineData((ushort)7, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.Ok)]
    [InlineData((ushort)9, (ushort)2, (ushort)3, (ushort)1, 32u, RingStatus.Ok)]
    [InlineData((ushort)11, (ushort)2, (ushort)3, (ushort)1, 32u, RingStatus.Ok)]
    [InlineData((ushort)6, (ushort)3, (ushort)3, (ushort)0, 32u, RingStatus.Ok)]   // offset8 == len8: empty payload
    [InlineData((ushort)6, (ushort)2, (ushort)2, (ushort)0, 24u, RingStatus.Ok)]   // smallest packet
    [InlineData((ushort)6, (ushort)2, (ushort)3, (ushort)0, 40u, RingStatus.Ok)]   // more published than this packet
    [InlineData((ushort)0, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)1, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)2, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)3, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)4, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)5, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)8, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)10, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)12, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)13, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)0x0106, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)0xFFFF, (ushort)2, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorType)]
    [InlineData((ushort)6, (ushort)2, (ushort)3, (ushort)2, 32u, RingStatus.InvalidDescriptorFlags)]
    [InlineData((ushort)6, (ushort)2, (ushort)3, (ushort)3, 32u, RingStatus.InvalidDescriptorFlags)]
    [InlineData((ushort)11, (ushort)2, (ushort)3, (ushort)0x8000, 32u, RingStatus.InvalidDescriptorFlags)]
    [InlineData((ushort)6, (ushort)2, (ushort)3, (ushort)0xFFFF, 32u, RingStatus.InvalidDescriptorFlags)]
    [InlineData((ushort)6, (ushort)0, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorLength)] // offset8 < 2
    [InlineData((ushort)6, (ushort)1, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorLength)]
    [InlineData((ushort)6, (ushort)4, (ushort)3, (ushort)0, 32u, RingStatus.InvalidDescriptorLength)] // offset8 > len8
    [InlineData((ushort)6, (ushort)2, (ushort)0, (ushort)0, 32u, RingStatus.InvalidDescriptorLength)]
    [InlineData((ushort)6, (ushort)2, (ushort)1, (ushort)0, 32u, RingStatus.InvalidDescriptorLength)]
    [InlineData((ushort)6, (ushort)2, (ushort)4, (ushort)0, 32u, RingStatus.InvalidDescriptorLength)] // 4·8 + 8 = 40 > 32 published
    [InlineData((ushort)6, (ushort)2, (ushort)511, (ushort)0, 4088u, RingStatus.InvalidDescriptorLength)] // 4096 > 4088
    [InlineData((ushort)6, (ushort)2, (ushort)0xFFFF, (ushort)0, 32u, RingStatus.InvalidDescriptorLength)]
    public void Descriptor_checks(ushort type, ushort offset8, ushort len8, ushort flags, uint writeIndex, RingStatus expected)
    {
        var ring = Open();
        PutDescriptor(ring, 0, type, offset8, len8, flags, 0xABCD);
        ring.SetControl32(Sheet.WriteIndex, writeIndex);
        var reader = new IncomingRing(ring.Memory);
        var buffer = new byte[4096];

        var status = reader.TryRead(buffer, out var descriptor, out var length);
        Assert.Equal(expected, status);
        if (expected == RingStatus.Ok)
        {
            Assert.Equal(new PacketDescriptor((VmBusPacketType)type, offset8, len8, flags, 0xABCD), descriptor);
            Assert.Equal((len8 - offset8) * 8, length);
            Assert.False(reader.Commit());
            Assert.Equal((uint)(len8 * 8 + 8), ring.Control32(Sheet.ReadIndex));
            return;
        }
        AssertStaysCorrupt(ring, reader, expected);
    }

    [Theory]
    [InlineData((ushort)4, RingStatus.Ok)]                      // 4064 → 8: 40 bytes published; packet 4·8 + 8 = 40
    [InlineData((ushort)5, RingStatus.InvalidDescriptorLength)] // 5·8 + 8 = 48 > 40
    public void A_packet_that_wraps_may_not_run_past_the_published_write_index(ushort len8, RingStatus expected)
    {
        var ring = Open();
        ring.SetControl32(Sheet.ReadIndex, 4064);
        PutDescriptor(ring, 4064, 6, 2, len8, 0, 1);
        ring.SetControl32(Sheet.WriteIndex, 8);
        var reader = new IncomingRing(ring.Memory);
        Assert.Equal(expected, reader.TryRead(new byte[4096], out _, out _));
        Assert.Equal(expected, reader.Status);
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(12u)]
    [InlineData(33u)]
    [InlineData(4096u)]          // = data size
    [InlineData(4104u)]
    [InlineData(0xFFFF_FFF8u)]
    [InlineData(0x8000_0000u)]
    public void A_bad_write_index_is_a_corrupt_ring_for_the_reader(uint writeIndex)
    {
        var ring = Open();
        PutDescriptor(ring, 0, 6, 2, 3, 0, 1);
        ring.SetControl32(Sheet.WriteIndex, writeIndex);
        var reader = new IncomingRing(ring.Memory);
        Assert.Equal(RingStatus.Ok, reader.Status); // only read_index is looked at on open
        Assert.Equal(RingStatus.InvalidRingIndex, reader.TryRead(new byte[4096], out _, out _));
        AssertStaysCorrupt(ring, reader, RingStatus.InvalidRingIndex);
    }

    [Theory]
    [InlineData(8u)]
    [InlineData(16u)]
    public void Fewer_published_bytes_than_the_smallest_packet_is_corrupt(uint writeIndex)
    {
        var ring = Open();
        PutDescriptor(ring, 0, 6, 2, 2, 0, 1);
        ring.SetControl32(Sheet.WriteIndex, writeIndex);
        var reader = new IncomingRing(ring.Memory);
        var status = reader.TryRead(new byte[4096], out _, out _);
        Assert.True(status.IsCorrupt(), status.ToString());
        AssertStaysCorrupt(ring, reader, status);
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(4092u)]
    [InlineData(4096u)]
    [InlineData(0xFFFF_FFFFu)]
    public void A_bad_read_index_is_a_corrupt_ring_for_the_reader_from_open(uint readIndex)
    {
        var ring = Open();
        PutDescriptor(ring, 0, 6, 2, 3, 0, 1);
        ring.SetControl32(Sheet.WriteIndex, 32);
        ring.SetControl32(Sheet.ReadIndex, readIndex);
        var reader = new IncomingRing(ring.Memory);
        Assert.Equal(RingStatus.InvalidRingIndex, reader.Status);
        Assert.False(reader.HasData);
        AssertStaysCorrupt(ring, reader, RingStatus.InvalidRingIndex);
    }

    [Theory]
    [InlineData(Sheet.WriteIndex, 4u)]
    [InlineData(Sheet.WriteIndex, 4096u)]
    [InlineData(Sheet.ReadIndex, 20u)]
    [InlineData(Sheet.ReadIndex, 0x1_0000u)]
    public void A_bad_index_at_open_stops_the_writer(int field, uint value)
    {
        var ring = Open();
        ring.SetControl32(field, value);
        var writer = new OutgoingRing(ring.Memory);
        Assert.Equal(RingStatus.InvalidRingIndex, writer.Status);
        var before = ring.Snapshot();
        Assert.Equal(RingStatus.InvalidRingIndex, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[8]));
        Assert.False(writer.Commit());
        Assert.True(ring.Unchanged(before));
    }

    [Theory]
    [InlineData(12u)]
    [InlineData(4096u)]
    [InlineData(0xFFFF_FFF8u)]
    public void A_bad_read_index_published_later_stops_the_writer_when_it_looks(uint readIndex)
    {
        var ring = Open();
        var writer = new OutgoingRing(ring.Memory);
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[4064])); // 4088 bytes: full
        writer.Commit();
        ring.SetControl32(Sheet.ReadIndex, readIndex);
        var before = ring.Snapshot();
        Assert.Equal(RingStatus.InvalidRingIndex, writer.TryWrite(VmBusPacketType.DataInBand, 2, new byte[8]));
        Assert.Equal(RingStatus.InvalidRingIndex, writer.Status);
        ring.SetControl32(Sheet.ReadIndex, 4088); // a valid index again does not revive it
        before = ring.Snapshot();
        Assert.Equal(RingStatus.InvalidRingIndex, writer.TryWrite(VmBusPacketType.DataInBand, 3, new byte[8]));
        Assert.False(writer.Commit());
        Assert.True(ring.Unchanged(before));
    }

    [Fact]
    public void A_buffer_too_small_leaves_the_packet_at_the_head()
    {
        var ring = Open();
        var writer = new OutgoingRing(ring.Memory);
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 77, [1, 2, 3, 4, 5])); // payload area 8
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 78, []));
        writer.Commit();
        var reader = new IncomingRing(ring.Memory);

        Assert.Equal(RingStatus.PacketTooLarge, reader.TryRead(new byte[7], out _, out _));
        Assert.Equal(RingStatus.PacketTooLarge, reader.TryRead([], out _, out _));
        Assert.Equal(RingStatus.Ok, reader.Status);
        Assert.True(reader.HasData);
        Assert.False(reader.Commit());
        Assert.Equal(0u, ring.Control32(Sheet.ReadIndex));

        var buffer = new byte[8];
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out var d, out var n));
        Assert.Equal((77UL, 8), (d.TransactionId, n));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 0, 0, 0 }, buffer);
        Assert.Equal(RingStatus.Ok, reader.TryRead([], out d, out n)); // an empty payload needs no buffer
        Assert.Equal((78UL, 0), (d.TransactionId, n));
    }

    [Fact]
    public void A_buffer_too_small_for_a_transfer_page_packet_with_a_larger_offset()
    {
        var ring = Open();
        PutDescriptor(ring, 0, 7, 4, 6, 0, 5); // header bytes 16..32, payload area (6 − 4)·8 = 16
        ring.SetData(32, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6]);
        ring.SetControl32(Sheet.WriteIndex, 56);
        var reader = new IncomingRing(ring.Memory);
        Assert.Equal(RingStatus.PacketTooLarge, reader.TryRead(new byte[15], out _, out _));
        var buffer = new byte[16];
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out var d, out var n));
        Assert.Equal(new PacketDescriptor(VmBusPacketType.DataUsingTransferPages, 4, 6, 0, 5), d);
        Assert.Equal(16, n);
        Assert.Equal(new byte[] { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6 }, buffer);
    }

    /// <summary>
    /// Garbage everywhere plus a peer that keeps scribbling on the control words and the data: thousands of calls on
    /// both sides never throw, never report an impossible packet, keep a corrupt reader corrupt, and never touch a
    /// byte outside the ring's pages (guard bytes around every page keep their pattern).
    /// </summary>
    [Fact]
    public void Seeded_fuzz_over_garbage_never_throws_or_escapes_the_pages()
    {
        var corruptSeen = 0;
        var packetsRead = 0;
        var packetsWritten = 0;
        for (var seed = 0; seed < 200; seed++)
        {
            try
            {
                Fuzz(seed, ref corruptSeen, ref packetsRead, ref packetsWritten);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"seed {seed}: {ex.Message}", ex);
            }
        }
        Assert.True(corruptSeen > 200, $"corrupt {corruptSeen}");
        Assert.True(packetsRead > 200, $"read {packetsRead}");
        Assert.True(packetsWritten > 200, $"written {packetsWritten}");
    }

    private static void Fuzz(int seed, ref int corruptSeen, ref int packetsRead, ref int packetsWritten)
    {
        var random = new Random(seed);
        var dataPages = random.Next(1, 4);
        var ring = random.Next(4) == 0 ? TestRing.Flat(dataPages) : TestRing.Paged(dataPages, seed, guard: 8 * random.Next(1, 9));
        var dsize = ring.DataSize;
        random.NextBytes(ring.ControlPage);
        for (var i = 0; i < dataPages; i++)
            random.NextBytes(ring.DataPage(i));
        if (random.Next(2) == 0)
        {
            // Plausible-looking state: valid indices and a few descriptors that might parse.
            ring.SetControl32(Sheet.WriteIndex, (uint)(random.Next(dsize / 8) * 8));
            ring.SetControl32(Sheet.ReadIndex, (uint)(random.Next(dsize / 8) * 8));
            Sprinkle(ring, random);
        }

        var writer = new OutgoingRing(ring.Memory);
        var reader = new IncomingRing(ring.Memory);
        for (var op = 0; op < 2000; op++)
        {
            switch (random.Next(14))
            {
                case 0:
                case 1:
                case 2:
                {
                    var buffer = new byte[random.Next(3) == 0 ? random.Next(0, 64) : random.Next(0, dsize + 16)];
                    var statusBefore = reader.Status;
                    var status = reader.TryRead(buffer, out var d, out var n);
                    if (statusBefore != RingStatus.Ok)
                        Assert.Equal(statusBefore, status);
                    if (status == RingStatus.Ok)
                    {
                        packetsRead++;
                        Assert.Contains((ushort)d.Type, Sheet.AcceptedTypes);
                        Assert.Equal(0, d.Flags & ~1);
                        Assert.InRange(d.DataOffset8, 2, d.Length8);
                        Assert.Equal((d.Length8 - d.DataOffset8) * 8, n);
                        Assert.InRange(n, 0, buffer.Length);
                        Assert.True(d.Length8 * 8 + 8 < dsize);
                    }
                    else if (status.IsCorrupt())
                    {
                        corruptSeen++;
                        Assert.Equal(status, reader.Status);
                    }
                    break;
                }
                case 3:
                    reader.Commit();
                    break;
                case 4:
                case 5:
                {
                    var payload = new byte[random.Next(4) == 0 ? random.Next(0, dsize + 64) : random.Next(0, 200)];
                    random.NextBytes(payload);
                    var type = (VmBusPacketType)(random.Next(2) == 0 ? 6 : 11);
                    var cut = random.Next(0, payload.Length + 1);
                    var status = writer.TryWrite(type, (ulong)random.NextInt64(), payload.AsSpan(0, cut), payload.AsSpan(cut), (ushort)random.Next(2));
                    if (status == RingStatus.Ok)
                        packetsWritten++;
                    break;
                }
                case 6:
                    writer.Commit();
                    break;
                case 7:
                    writer.ArmPendingSend(random.Next(0, dsize + 64));
                    if (random.Next(2) == 0)
                        writer.ClearPendingSend();
                    _ = writer.Free();
                    break;
                case 8:
                    if (random.Next(2) == 0)
                        reader.MaskInterrupts();
                    else
                        reader.UnmaskInterrupts();
                    _ = reader.HasData;
                    break;
                case 9:
                {
                    // The peer rewrites a control word: an index (sometimes valid), the mask, pending size or features.
                    int[] fields = [Sheet.WriteIndex, Sheet.ReadIndex, Sheet.InterruptMask, Sheet.PendingSendSize, Sheet.FeatureBits];
                    var value = random.Next(3) == 0 ? (uint)random.Next() : (uint)(random.Next(dsize / 8) * 8);
                    ring.SetControl32(fields[random.Next(fields.Length)], value);
                    break;
                }
                case 10:
                    Sprinkle(ring, random);
                    break;
                case 11:
                {
                    var garbage = new byte[random.Next(1, 64)];
                    random.NextBytes(garbage);
                    ring.SetData(random.Next(dsize), garbage);
                    break;
                }
                case 12:
                    // The endpoint re-opens its side (a new channel open over the same pages).
                    if (random.Next(4) == 0)
                        writer = new OutgoingRing(ring.Memory);
                    break;
                default:
                    if (random.Next(2) == 0)
                        reader = new IncomingRing(ring.Memory);
                    break;
            }
        }
        Assert.Equal(-1, ring.FirstDamagedGuard());
    }

    /// <summary>Writes a few descriptors with accepted types and small lengths at 8-aligned offsets.</summary>
    private static void Sprinkle(TestRing ring, Random random)
    {
        for (var i = random.Next(1, 6); i > 0; i--)
        {
            var at = random.Next(ring.DataSize / 8) * 8;
            var len8 = (ushort)random.Next(0, 40);
            PutDescriptor(ring, at, Sheet.AcceptedTypes[random.Next(4)], (ushort)random.Next(0, 5), len8,
                (ushort)(random.Next(8) == 0 ? 2 : random.Next(2)), (ulong)random.NextInt64());
        }
    }

    private static void PutDescriptor(TestRing ring, int at, ushort type, ushort offset8, ushort len8, ushort flags, ulong transactionId)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, type);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), offset8);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), len8);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), transactionId);
        ring.SetData(at, bytes);
    }

    /// <summary>
    /// After corruption: even once the peer puts a valid packet and valid indices back, the reader keeps reporting
    /// the corruption, publishes nothing, and signals nothing.
    /// </summary>
    private static void AssertStaysCorrupt(TestRing ring, IncomingRing reader, RingStatus expected)
    {
        Assert.Equal(expected, reader.Status);
        var readIndex = ring.Control32(Sheet.ReadIndex);
        PutDescriptor(ring, 0, 6, 2, 3, 0, 1);
        ring.SetControl32(Sheet.WriteIndex, 32);
        ring.SetControl32(Sheet.PendingSendSize, 8);
        for (var i = 0; i < 3; i++)
            Assert.Equal(expected, reader.TryRead(new byte[4096], out _, out _));
        Assert.Equal(expected, reader.Status);
        Assert.False(reader.Commit());
        Assert.Equal(readIndex, ring.Control32(Sheet.ReadIndex));
        Assert.False(reader.HasData);
    }

    private static TestRing Open()
    {
        var ring = TestRing.Paged(1, seed: 4);
        new RingControl(ring.Memory).InitializeAsGuest();
        return ring;
    }
}
