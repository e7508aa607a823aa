using System;
using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using Xunit;
using static HvCall.Simulation.Tests.HostileGuest;

namespace HvCall.Simulation.Tests;

/// <summary>
/// Malformed OPENCHANNEL, CLOSECHANNEL and short or unexpected messages against the L0 VMBus host. A refused open is
/// OPENCHANNEL_RESULT(relid, openid, status ≠ 0) and leaves the GPADL and its pages untouched; messages without a
/// reply are dropped; each is recorded in the host's errors and nothing throws (vmbus-datapath.md §1, §2, §9 step 2).
/// </summary>
public sealed class HostileOpenChannelTests
{
    private const uint Echo = 5;
    private const uint Gpadl = 0xE1E10;
    // An 8-page ring GPADL (4 + 4) on every other page from 4 MiB, so each page has a neighbour outside the GPADL.
    private static readonly ulong[] RingPfns = [0x400, 0x402, 0x404, 0x406, 0x408, 0x40A, 0x40C, 0x40E];

    /// <summary>A connected guest with a created 8-page ring GPADL for channel 5; its control pages zeroed as Linux leaves them.</summary>
    private static HostileGuest WithRingGpadl(int vps = 1)
    {
        var guest = Connect(vps: vps);
        guest.Fill(0x3F0, 0x30);
        Assert.True(guest.Memory.TryWrite(RingPfns[0] * 4096, new byte[4096]));
        Assert.True(guest.Memory.TryWrite(RingPfns[4] * 4096, new byte[4096]));
        Assert.Equal(0u, guest.CreateGpadl(Echo, Gpadl, RingPfns));
        return guest;
    }

    /// <summary>Posts OPENCHANNEL and expects OPENCHANNEL_RESULT(relid, openid, non-zero), one new error, the open channels as before.</summary>
    private static void AssertRefused(HostileGuest guest, uint relId, uint gpadl, uint targetVp, uint offset, string reason)
    {
        var errors = guest.Host.Errors.Count;
        var open = guest.Host.OpenChannels.ToDictionary();
        var reply = Assert.Single(guest.Exchange(OpenChannel(relId, 0x0C0FFEE, gpadl, targetVp, offset)));
        Assert.Equal((6u, 20, relId, 0x0C0FFEEu), (Type(reply), reply.Length, U32(reply, 8), U32(reply, 12)));
        Assert.NotEqual(0u, U32(reply, 16));
        Assert.Equal(errors + 1, guest.Host.Errors.Count);
        Assert.Contains($"OPENCHANNEL of channel {relId}", guest.Host.Errors[^1], StringComparison.Ordinal);
        Assert.Contains(reason, guest.Host.Errors[^1], StringComparison.Ordinal);
        Assert.Equal(open, guest.Host.OpenChannels.ToDictionary());
    }

    /// <summary>After refusals the GPADL is still free, its pages untouched: it opens channel 5 now.</summary>
    private static void AssertStillOpens(HostileGuest guest, byte[] before)
    {
        guest.AssertUnchangedExcept(before, []);
        Assert.Equal(0u, guest.Open(Echo, Gpadl, 0, 4));
        Assert.Equal(Gpadl, guest.Host.OpenChannels[Echo].Gpadl);
    }

    [Fact]
    public void UnknownRelid_IsRefused()
    {
        var guest = WithRingGpadl();
        var before = guest.Snapshot();
        foreach (var relId in new uint[] { 0, 6, 2047, uint.MaxValue })
            AssertRefused(guest, relId, Gpadl, 0, 4, "no such channel");
        AssertStillOpens(guest, before);
    }

    [Fact]
    public void AlreadyOpenRelid_IsRefused_AndTheOpenChannelStays()
    {
        var guest = WithRingGpadl();
        Assert.Equal(0u, guest.Open(Echo, Gpadl, 0, 4));
        Assert.Equal(0u, guest.CreateGpadl(Echo, Gpadl + 1, [0x500, 0x501, 0x502, 0x503]));
        AssertRefused(guest, Echo, Gpadl + 1, 0, 2, "already open");
        Assert.Equal(Gpadl, guest.Host.OpenChannels[Echo].Gpadl);
        Assert.False(guest.Host.OpenChannels[Echo].Broken);
    }

    [Fact]
    public void GpadlOfAnotherChannel_UnknownOrStillInProgress_IsRefused()
    {
        var guest = WithRingGpadl();
        Assert.Equal(0u, guest.CreateGpadl(3, Gpadl + 1, [0x500, 0x501, 0x502, 0x503]));
        Assert.Equal(HvStatus.Success, guest.Post(GpadlHeader(Echo, Gpadl + 2, 8 + 8 * 30, 1, 30 * 4096, 0, [0x600, 0x601, 0x602, 0x603])));
        var before = guest.Snapshot();
        AssertRefused(guest, Echo, Gpadl + 1, 0, 2, "not a created GPADL of this channel");
        AssertRefused(guest, 3, Gpadl, 0, 4, "not a created GPADL of this channel");
        AssertRefused(guest, Echo, 0xBAD, 0, 4, "not a created GPADL");
        AssertRefused(guest, Echo, Gpadl + 2, 0, 4, "not a created GPADL");
        AssertStillOpens(guest, before);
    }

    [Theory]
    [InlineData(0u)]          // no upstream ring
    [InlineData(1u)]          // upstream ring = a control page without data pages
    [InlineData(7u)]          // downstream ring = a control page without data pages
    [InlineData(8u)]          // = the page count: no downstream ring
    [InlineData(9u)]
    [InlineData(0xFFFF_FFFFu)]
    public void DownstreamOffset_ThatDoesNotSplitTheGpadlIntoTwoRings_IsRefused(uint offset)
    {
        var guest = WithRingGpadl();
        var before = guest.Snapshot();
        AssertRefused(guest, Echo, Gpadl, 0, offset, $"does not split at page {offset}");
        AssertStillOpens(guest, before);
    }

    [Theory]
    [InlineData(1, 1u)]
    [InlineData(1, 64u)]
    [InlineData(1, 0xFFFF_FFFFu)] // OpenVMM's "interrupts disabled" value: this host wants a VP
    [InlineData(2, 2u)]
    public void TargetVpThatDoesNotExist_IsRefused(int vps, uint targetVp)
    {
        var guest = WithRingGpadl(vps);
        var before = guest.Snapshot();
        AssertRefused(guest, Echo, Gpadl, targetVp, 4, $"no such target VP {targetVp}");
        AssertStillOpens(guest, before);
    }

    [Fact]
    public void TargetVp1_OfATwoVpGuest_Opens()
    {
        var guest = WithRingGpadl(2);
        Assert.Equal(0u, guest.Open(Echo, Gpadl, 1, 4));
        Assert.Equal(1u, guest.Host.OpenChannels[Echo].TargetVp);
        Assert.Empty(guest.Host.Errors);
    }

    [Fact]
    public void GpadlThatIsNoRingArea_OrRingIndexesOutOfRange_IsRefused()
    {
        var guest = WithRingGpadl();
        // Valid GPADLs, but not a ring area: byte_offset 16; byte_count not a page multiple; two ranges.
        Assert.Single(guest.Exchange(GpadlHeader(Echo, Gpadl + 1, 8 + 8 * 5, 1, 4 * 4096, 16, [0x500, 0x501, 0x502, 0x503, 0x504])), m => U32(m, 16) == 0);
        Assert.Single(guest.Exchange(GpadlHeader(Echo, Gpadl + 2, 8 + 8 * 4, 1, 4 * 4096 - 8, 0, [0x510, 0x511, 0x512, 0x513])), m => U32(m, 16) == 0);
        var twoRanges = GpadlHeader(Echo, Gpadl + 3, 2 * (8 + 8 * 2), 2, 2 * 4096, 0, [0x520, 0x521, (2UL * 4096) | 0, 0x522, 0x523]);
        Assert.Single(guest.Exchange(twoRanges), m => U32(m, 16) == 0);
        AssertRefused(guest, Echo, Gpadl + 1, 0, 2, "NonZeroOffset");
        AssertRefused(guest, Echo, Gpadl + 2, 0, 2, "NotPageMultiple");
        AssertRefused(guest, Echo, Gpadl + 3, 0, 2, "NotSingleRange");
        // Ring control pages left with indexes the host would use at once: the read index of the ring it reads
        // (upstream, @4) or the write index of the ring it writes (downstream, @0) not a multiple of 8 or ≥ 12288.
        Assert.True(guest.Memory.TryWrite(RingPfns[0] * 4096 + 4, [13, 0, 0, 0]));
        AssertRefused(guest, Echo, Gpadl, 0, 4, "ring index");
        Assert.True(guest.Memory.TryWrite(RingPfns[0] * 4096 + 4, [0, 0, 0, 0]));
        Assert.True(guest.Memory.TryWrite(RingPfns[4] * 4096, [0, 0x30, 0, 0]));
        AssertRefused(guest, Echo, Gpadl, 0, 4, "ring index");
    }

    [Fact]
    public void CloseChannel_OfAChannelThatIsNotOpen_HasNoReply()
    {
        var guest = WithRingGpadl();
        foreach (var relId in new uint[] { Echo, 1, 99 })
        {
            var errors = guest.Host.Errors.Count;
            Assert.Empty(guest.Exchange(CloseChannel(relId)));
            Assert.Equal(errors + 1, guest.Host.Errors.Count);
            Assert.Contains($"CLOSECHANNEL for channel {relId}", guest.Host.Errors[^1], StringComparison.Ordinal);
        }
        Assert.Equal(1, guest.Host.GpadlCount);
        Assert.Equal(0u, guest.Open(Echo, Gpadl, 0, 4));
    }

    public static TheoryData<byte[], string> ShortOrUnexpected => new()
    {
        { OpenChannel(Echo, Echo, Gpadl, 0, 4)[..147], "type 5 (147 bytes)" },
        { GpadlHeader(Echo, Gpadl + 1, 16, 1, 4096, 0, [0x500])[..19], "type 8 (19 bytes)" },
        { GpadlBody(Gpadl, [0x500])[..15], "type 9 (15 bytes)" },
        { GpadlTeardown(Echo, Gpadl)[..15], "type 11 (15 bytes)" },
        { CloseChannel(Echo)[..11], "type 7 (11 bytes)" },
        { InitiateContact(0x0005_0002, 0)[..39], "type 14 (39 bytes)" },
        { Header(16)[..4], "(4 bytes)" },
        { Header(6, 20), "type 6 (20 bytes)" },      // OPENCHANNEL_RESULT goes host → guest only
        { Header(99, 8), "type 99 (8 bytes)" },
    };

    [Theory]
    [MemberData(nameof(ShortOrUnexpected))]
    public void MessageShorterThanItsType_OrOfAnUnexpectedType_IsIgnored(byte[] message, string error)
    {
        var guest = WithRingGpadl();
        Assert.Equal(0u, guest.Open(Echo, Gpadl, 0, 4));
        Assert.Empty(guest.Exchange(message));
        Assert.Contains(error, Assert.Single(guest.Host.Errors), StringComparison.Ordinal);
        Assert.Equal(1, guest.Host.GpadlCount);
        Assert.Equal(SimulationHarness.Version52, guest.Host.NegotiatedVersion);
        Assert.Equal([Echo], guest.Host.OpenChannels.Keys.ToArray());
    }
}
