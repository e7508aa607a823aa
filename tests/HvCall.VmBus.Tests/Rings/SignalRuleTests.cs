using FsCheck;
using FsCheck.Fluent;
using HvCall.VmBus.Rings;
using HvCall.VmBus.Tests.Rings.Support;
using Microsoft.FSharp.Core;
using Xunit;

namespace HvCall.VmBus.Tests.Rings;

/// <summary>
/// vmbus-datapath.md §5 as tables. Producer: after publishing, signal iff interrupt_mask == 0 and read_index ==
/// the write index from before this write. Consumer: no signal without feature bit 0; pending_send_sz with its
/// low 3 bits masked off; signal iff pending ≠ 0 and freeBefore &lt; pending ≤ freeAfter (free = raw − 8);
/// interrupt_mask not consulted. Blocked producer: pending = max(needed, max_packet/4) rounded up to 8.
/// </summary>
public sealed class SignalRuleTests
{
    private static readonly Config Replayed = Config.QuickThrowOnFailure
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x5349_474E_414CUL), FSharpOption<int>.None)))
        .WithMaxTest(2000);

    [Theory]
    [InlineData(0u, 64u, 64u, true)]          // was empty, not masked
    [InlineData(0u, 0u, 0u, true)]
    [InlineData(0u, 0u, 64u, false)]          // was not empty
    [InlineData(0u, 72u, 64u, false)]         // read_index elsewhere
    [InlineData(1u, 64u, 64u, false)]         // masked
    [InlineData(1u, 0u, 64u, false)]
    [InlineData(0xFFFF_FFFFu, 64u, 64u, false)] // any non-zero mask
    public void After_write(uint interruptMask, uint readIndex, uint writeIndexBefore, bool signal) =>
        Assert.Equal(signal, SignalRules.AfterWrite(interruptMask, readIndex, writeIndexBefore));

    [Theory]
    // feature bit 1
    [InlineData(1u, 0u, 0, 4088, false)]        // not blocked
    [InlineData(1u, 7u, 0, 4088, false)]        // pending 7 & ~7 = 0: not blocked
    [InlineData(1u, 1016u, 24, 1040, true)]     // 24 < 1016 <= 1040
    [InlineData(1u, 1016u, 1008, 1016, true)]   // exactly enough after
    [InlineData(1u, 1016u, 1016, 2032, false)]  // already enough before
    [InlineData(1u, 1016u, 2000, 3000, false)]  // already more than enough before
    [InlineData(1u, 1016u, 24, 1008, false)]    // still not enough after
    [InlineData(1u, 1017u, 1008, 1016, true)]   // low bits set: 1017 & ~7 = 1016 <= 1016
    [InlineData(1u, 1023u, 1008, 1016, true)]   // 1023 & ~7 = 1016
    [InlineData(1u, 1023u, 1016, 2000, false)]  // 1016 was already there
    [InlineData(1u, 1024u, 1008, 1016, false)]  // 1024 is not masked down
    [InlineData(1u, 0xFFFF_FFFFu, 0, 4088, false)] // "size of the ring minus 1"-style huge value: never enough
    [InlineData(3u, 1016u, 24, 1040, true)]     // other feature bits are irrelevant
    // feature bit 0
    [InlineData(0u, 1016u, 24, 1040, false)]
    [InlineData(0u, 0u, 24, 1040, false)]
    [InlineData(0xFFFF_FFFEu, 1016u, 24, 1040, false)]
    public void After_read(uint featureBits, uint pendingSendSize, int freeBefore, int freeAfter, bool signal) =>
        Assert.Equal(signal, SignalRules.AfterRead(featureBits, pendingSendSize, freeBefore, freeAfter));

    /// <summary>
    /// §5: for 8-aligned values OpenVMM's rule equals Linux 6.x <c>hv_pkt_iter_close</c>, which works in raw free
    /// bytes (no reserve): with cur = raw free now and read = bytes consumed, no signal if cur − read &gt; pending,
    /// none if cur ≤ pending, else signal.
    /// </summary>
    [Fact]
    public void After_read_agrees_with_the_Linux_formulation_for_8_aligned_values() => Check.One(Replayed, Prop.ForAll(
        Arb.From(Gen.Choose(0, 1024).Three()), t =>
        {
            var pending = t.Item1 * 8;
            var freeBefore = System.Math.Min(t.Item2, t.Item3) * 8;
            var freeAfter = System.Math.Max(t.Item2, t.Item3) * 8;
            var cur = freeAfter + 8;
            var read = freeAfter - freeBefore;
            var linux = pending != 0 && !(cur - read > pending) && !(cur <= pending);
            Assert.Equal(linux, SignalRules.AfterRead(1, (uint)pending, freeBefore, freeAfter));
        }));

    // ---- end to end: OutgoingRing.Commit -----------------------------------------------------------

    [Theory]
    [InlineData(true, 0u, true)]
    [InlineData(true, 1u, false)]
    [InlineData(false, 0u, false)]
    [InlineData(false, 1u, false)]
    public void Writer_commit_signals_only_empty_to_non_empty_when_unmasked(bool ringWasEmpty, uint mask, bool signal)
    {
        var (ring, writer, _) = Open(1);
        if (!ringWasEmpty)
        {
            Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[8]));
            writer.Commit();
        }
        ring.SetControl32(Sheet.InterruptMask, mask);
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 2, new byte[8]));
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 3, new byte[8]));
        Assert.Equal(signal, writer.Commit());
    }

    [Fact]
    public void Writer_commit_sees_the_ring_as_empty_only_once_the_reader_has_published_its_index()
    {
        var (ring, writer, reader) = Open(1);
        var buffer = new byte[64];
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[8]));
        Assert.True(writer.Commit());
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out _, out _));

        // Read but not yet published: read_index 0 != write index before (32).
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 2, new byte[8]));
        Assert.False(writer.Commit());

        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out _, out _));
        reader.Commit();
        Assert.Equal(64u, ring.Control32(Sheet.ReadIndex));
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 3, new byte[8]));
        Assert.True(writer.Commit());
    }

    // ---- end to end: IncomingRing.Commit -------------------------------------------------------------
    // One data page; four packets of 16 + 992 + 8 = 1016 bytes fill 4064, so free = 4096 − 4064 − 8 = 24 before
    // any read, 1040 after one packet is released, 2056 after two.

    [Theory]
    [InlineData(1u, 0u, 0u, 1, false)]          // not blocked
    [InlineData(1u, 0u, 1016u, 1, true)]        // 24 < 1016 <= 1040
    [InlineData(1u, 1u, 1016u, 1, true)]        // interrupt_mask is not consulted
    [InlineData(1u, 0u, 1040u, 1, true)]        // exactly enough after
    [InlineData(1u, 0u, 1047u, 1, true)]        // 1047 & ~7 = 1040
    [InlineData(1u, 0u, 1048u, 1, false)]       // still not enough
    [InlineData(1u, 0u, 2048u, 1, false)]
    [InlineData(1u, 0u, 2048u, 2, true)]        // 24 < 2048 <= 2056
    [InlineData(1u, 0u, 24u, 1, false)]         // already enough before: 24 is not < 24
    [InlineData(1u, 0u, 31u, 1, false)]         // 31 & ~7 = 24
    [InlineData(1u, 0u, 16u, 1, false)]
    [InlineData(0u, 0u, 1016u, 1, false)]       // producer lacks the feature bit
    [InlineData(0xFFFF_FFFEu, 0u, 1016u, 1, false)]
    [InlineData(1u, 0u, 1016u, 0, false)]       // nothing read, nothing published
    public void Reader_commit_signals_when_it_frees_the_pending_size(uint featureBits, uint mask, uint pending, int packetsRead, bool signal)
    {
        var (ring, writer, reader) = Open(1);
        for (var i = 0; i < 4; i++)
            Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, (ulong)i, new byte[992]));
        writer.Commit();
        Assert.Equal(24, writer.Free());
        ring.SetControl32(Sheet.FeatureBits, featureBits);
        ring.SetControl32(Sheet.InterruptMask, mask);
        ring.SetControl32(Sheet.PendingSendSize, pending);

        var buffer = new byte[992];
        for (var i = 0; i < packetsRead; i++)
            Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out _, out _));
        Assert.Equal(signal, reader.Commit());
        Assert.Equal((uint)(1016 * packetsRead), ring.Control32(Sheet.ReadIndex));
    }

    [Fact]
    public void Reader_commit_signals_on_the_read_that_crosses_the_pending_size()
    {
        var (ring, writer, reader) = Open(1);
        for (var i = 0; i < 4; i++)
            Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, (ulong)i, new byte[992]));
        writer.Commit();
        ring.SetControl32(Sheet.PendingSendSize, 2048);
        var buffer = new byte[992];

        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out _, out _));
        Assert.False(reader.Commit()); // 24 → 1040: still below 2048
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out _, out _));
        Assert.True(reader.Commit());  // 1040 → 2056
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out _, out _));
        Assert.False(reader.Commit()); // 2056 → 3072: was already enough
    }

    // ---- blocked producer and masked consumer -----------------------------------------------------------

    [Theory]
    [InlineData(1, 24, 1024u)]    // max(24, 4088/4 = 1022) = 1022, rounded up to 8
    [InlineData(1, 1022, 1024u)]
    [InlineData(1, 2000, 2000u)]
    [InlineData(1, 2001, 2008u)]
    [InlineData(1, 4088, 4088u)]
    [InlineData(2, 24, 2048u)]    // max(24, 8184/4 = 2046) = 2046 → 2048
    [InlineData(2, 4096, 4096u)]
    public void Arming_a_blocked_producer_sets_pending_send_size(int dataPages, int needed, uint pending)
    {
        var (ring, writer, _) = Open(dataPages);
        var largest = dataPages * 4096 - 8 - 24; // payload of the largest packet: leaves free = 0
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[largest]));
        writer.Commit();
        Assert.Equal(0, writer.Free());

        Assert.False(writer.ArmPendingSend(needed));
        Assert.Equal(pending, ring.Control32(Sheet.PendingSendSize));
        writer.ClearPendingSend();
        Assert.Equal(0u, ring.Control32(Sheet.PendingSendSize));
    }

    [Fact]
    public void Arming_when_room_is_already_there_returns_true_and_leaves_pending_send_size_clear()
    {
        var (ring, writer, reader) = Open(1);
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[4064])); // 4088 bytes
        writer.Commit();
        Assert.Equal(RingStatus.Full, writer.TryWrite(VmBusPacketType.DataInBand, 2, new byte[8]));
        Assert.False(writer.ArmPendingSend(32));
        Assert.Equal(1024u, ring.Control32(Sheet.PendingSendSize));

        var buffer = new byte[4064];
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out _, out _));
        Assert.True(reader.Commit()); // 0 < 1024 <= 4088: the producer is woken

        Assert.True(writer.ArmPendingSend(32));
        Assert.Equal(0u, ring.Control32(Sheet.PendingSendSize));
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 2, new byte[8]));

        // Also when a stale pending size was left behind: arming with room clears it.
        ring.SetControl32(Sheet.PendingSendSize, 2000);
        Assert.True(writer.ArmPendingSend(32));
        Assert.Equal(0u, ring.Control32(Sheet.PendingSendSize));
    }

    [Fact]
    public void Unmasking_reports_data_that_arrived_while_masked()
    {
        var (ring, writer, reader) = Open(1);
        var buffer = new byte[64];
        Assert.False(reader.UnmaskInterrupts()); // empty
        reader.MaskInterrupts();
        Assert.Equal(1u, ring.Control32(Sheet.InterruptMask));
        Assert.False(reader.UnmaskInterrupts()); // nothing arrived
        Assert.Equal(0u, ring.Control32(Sheet.InterruptMask));

        reader.MaskInterrupts();
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[8]));
        Assert.False(writer.Commit()); // masked: no signal for empty → non-empty
        Assert.True(reader.UnmaskInterrupts()); // so the consumer must look again
        Assert.Equal(0u, ring.Control32(Sheet.InterruptMask));

        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out _, out _));
        Assert.False(reader.UnmaskInterrupts()); // read everything published (commit not needed to know that)
        reader.Commit();
        Assert.False(reader.UnmaskInterrupts());
    }

    private static (TestRing Ring, OutgoingRing Writer, IncomingRing Reader) Open(int dataPages)
    {
        var ring = TestRing.Paged(dataPages, seed: 99);
        new RingControl(ring.Memory).InitializeAsGuest();
        return (ring, new OutgoingRing(ring.Memory), new IncomingRing(ring.Memory));
    }
}
