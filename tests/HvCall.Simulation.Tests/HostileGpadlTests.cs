using System;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using Xunit;
using static HvCall.Simulation.Tests.HostileGuest;

namespace HvCall.Simulation.Tests;

/// <summary>
/// Malformed GPADL messages against the L0 VMBus host: each is refused with GPADL_CREATED(relid, gpadl, 0x8000FFFF)
/// or, for a GPADL_BODY that fits no GPADL, dropped without a reply; each is recorded in the host's errors and
/// nothing throws (vmbus-datapath.md §2 "Host side"). A well-formed GPADL is the control case.
/// </summary>
public sealed class HostileGpadlTests
{
    private const uint Relid = 5;
    private const uint Gpadl = 0xE1E10;

    public static TheoryData<Topology, HvArchitecture> Machines => new()
    {
        { Topology.Flat, HvArchitecture.X64 },
        { Topology.Nested, HvArchitecture.X64 },
        { Topology.Flat, HvArchitecture.Arm64 },
    };

    private static ulong[] Pages(ulong first, int count)
    {
        var pfns = new ulong[count];
        for (var i = 0; i < count; i++)
            pfns[i] = first + (ulong)i;
        return pfns;
    }

    /// <summary>
    /// Posts a GPADL message and expects the refusal: GPADL_CREATED 20 bytes with status 0x8000FFFF, one new host error
    /// naming <paramref name="reason"/>, and the host holding as many GPADLs as before (or <paramref name="gpadlsAfter"/>).
    /// </summary>
    private static void AssertRefused(HostileGuest guest, byte[] header, uint relId, uint gpadl, string reason, int? gpadlsAfter = null)
    {
        var errors = guest.Host.Errors.Count;
        var gpadls = gpadlsAfter ?? guest.Host.GpadlCount;
        var reply = Assert.Single(guest.Exchange(header));
        Assert.Equal(20, reply.Length);
        Assert.Equal((10u, relId, gpadl, StatusUnsuccessful), (Type(reply), U32(reply, 8), U32(reply, 12), U32(reply, 16)));
        Assert.Equal(errors + 1, guest.Host.Errors.Count);
        Assert.Contains(reason, guest.Host.Errors[^1], StringComparison.Ordinal);
        Assert.Contains($"0x{gpadl:X}", guest.Host.Errors[^1], StringComparison.Ordinal);
        Assert.Equal(gpadls, guest.Host.GpadlCount);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void WellFormedGpadls_AreCreated_UpToTheLastPageOfThePartition(Topology topology, HvArchitecture architecture)
    {
        var guest = Connect(topology, architecture);
        Assert.Equal(0u, guest.CreateGpadl(Relid, Gpadl, Pages(0x400, 8)));
        Assert.Equal(0u, guest.CreateGpadl(Relid, Gpadl + 1, Pages(0x300, 60))); // header + 2 bodies
        Assert.Equal(0u, guest.CreateGpadl(Relid, Gpadl + 2, [PartitionPages - 1]));
        Assert.Equal(3, guest.Host.GpadlCount);
        Assert.Empty(guest.Host.Errors);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void PfnOutsideThePartition_IsRefused(Topology topology, HvArchitecture architecture)
    {
        var guest = Connect(topology, architecture);
        foreach (var outside in new[] { PartitionPages, PartitionPages + 1, 0x000F_FFFF_FFFF_FFFFUL, ulong.MaxValue })
            AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8 + 16, 1, 8192, 0, [0x400, outside]), Relid, Gpadl, "PageOutsidePartition");
        // The same in a GPADL_BODY: the header is pending, the body completes it and is refused.
        Assert.Equal(HvStatus.Success, guest.Post(GpadlHeader(Relid, Gpadl, 8 + 8 * 27, 1, 27 * 4096, 0, Pages(0x400, 26))));
        Assert.Empty(guest.Settle());
        Assert.Equal(1, guest.Host.GpadlCount);
        AssertRefused(guest, GpadlBody(Gpadl, [PartitionPages]), Relid, Gpadl, "PageOutsidePartition", gpadlsAfter: 0);
        Assert.Equal(0, guest.Host.GpadlCount);
    }

    [Fact]
    public void RangeBufferLength_InconsistentWithThePfnCount_IsRefused()
    {
        var guest = Connect();
        // byte_count says 4 pages, range_buflen leaves room for 3 PFNs.
        AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8 + 8 * 3, 1, 4 * 4096, 0, Pages(0x400, 4)), Relid, Gpadl, "RangeInconsistent");
        // byte_count says 4 pages, range_buflen carries 5 PFNs: one word left over.
        AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8 + 8 * 5, 1, 4 * 4096, 0, Pages(0x400, 5)), Relid, Gpadl, "RangeInconsistent");
        // range_buflen not a multiple of 8, or too short for a range header and one PFN.
        AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8 + 8 * 4 + 4, 1, 4 * 4096, 0, Pages(0x400, 5)), Relid, Gpadl, "RangeBufferLength");
        AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8, 1, 4096, 0, []), Relid, Gpadl, "RangeBufferLength");
        // rangecount 0.
        AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8 + 8, 0, 4096, 0, Pages(0x400, 1)), Relid, Gpadl, "NoRanges");
        Assert.Equal(0, guest.Host.GpadlCount);
    }

    [Fact]
    public void ByteCountZero_AndByteOffsetPastTheFirstPage_AreRefused()
    {
        var guest = Connect();
        AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8 + 8, 1, 0, 0, Pages(0x400, 1)), Relid, Gpadl, "EmptyRange");
        AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8 + 16, 1, 4096, 0x1000, Pages(0x400, 2)), Relid, Gpadl, "RangeOffsetTooLarge");
        AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8 + 16, 1, 4096, uint.MaxValue, Pages(0x400, 2)), Relid, Gpadl, "RangeOffsetTooLarge");
        // byte_offset 0xFFF is the largest allowed: 4096 bytes from there span two pages.
        Assert.Single(guest.Exchange(GpadlHeader(Relid, Gpadl, 8 + 16, 1, 4096, 0xFFF, Pages(0x400, 2))), m => U32(m, 16) == 0);
        Assert.Equal(1, guest.Host.GpadlCount);
    }

    [Fact]
    public void HandleAlreadyInUse_IsRefused_AndTheFirstGpadlStays()
    {
        var guest = Connect();
        Assert.Equal(0u, guest.CreateGpadl(Relid, Gpadl, Pages(0x400, 8)));
        AssertRefused(guest, GpadlHeader(Relid, Gpadl, 8 + 8 * 4, 1, 4 * 4096, 0, Pages(0x500, 4)), Relid, Gpadl, "HandleInUse");
        // Bodies carry no relid, so an id is unique across channels, in progress or created.
        AssertRefused(guest, GpadlHeader(3, Gpadl, 8 + 8 * 4, 1, 4 * 4096, 0, Pages(0x500, 4)), 3, Gpadl, "HandleInUse");
        Assert.Equal(HvStatus.Success, guest.Post(GpadlHeader(Relid, Gpadl + 1, 8 + 8 * 30, 1, 30 * 4096, 0, Pages(0x600, 26))));
        Assert.Empty(guest.Settle()); // in progress: 4 PFNs still due
        AssertRefused(guest, GpadlHeader(4, Gpadl + 1, 8 + 8 * 4, 1, 4 * 4096, 0, Pages(0x500, 4)), 4, Gpadl + 1, "HandleInUse");
        Assert.Equal(2, guest.Host.GpadlCount);
        // The original is intact: a ring of it opens.
        Assert.Equal(0u, guest.Open(Relid, Gpadl, 0, 4));
    }

    [Fact]
    public void GpadlBody_ForAnUnknownHandle_IsDroppedWithoutReply()
    {
        var guest = Connect();
        Assert.Empty(guest.Exchange(GpadlBody(0xBAD, Pages(0x400, 4))));
        Assert.Contains("0xBAD", guest.Host.Errors[^1], StringComparison.Ordinal);
        Assert.Contains("dropped", guest.Host.Errors[^1], StringComparison.Ordinal);
        // A body for a GPADL that is already complete fits no GPADL in progress either.
        Assert.Equal(0u, guest.CreateGpadl(Relid, Gpadl, Pages(0x400, 4)));
        Assert.Empty(guest.Exchange(GpadlBody(Gpadl, Pages(0x410, 4))));
        Assert.Equal(2, guest.Host.Errors.Count);
        Assert.Equal(1, guest.Host.GpadlCount);
    }

    [Fact]
    public void GpadlTeardown_OfAnUnknownGpadl_OrAnotherChannelsGpadl_HasNoReply()
    {
        var guest = Connect();
        Assert.Empty(guest.Exchange(GpadlTeardown(Relid, 0xBAD)));
        Assert.Single(guest.Host.Errors);
        Assert.Contains("0xBAD", guest.Host.Errors[^1], StringComparison.Ordinal);
        Assert.Equal(0u, guest.CreateGpadl(Relid, Gpadl, Pages(0x400, 4)));
        Assert.Empty(guest.Exchange(GpadlTeardown(3, Gpadl)));
        Assert.Equal(2, guest.Host.Errors.Count);
        Assert.Equal(1, guest.Host.GpadlCount);
        // The owner's teardown still works.
        var torndown = Assert.Single(guest.Exchange(GpadlTeardown(Relid, Gpadl)));
        Assert.Equal((12u, 12, Gpadl), (Type(torndown), torndown.Length, U32(torndown, 8)));
        Assert.Equal(0, guest.Host.GpadlCount);
    }
}
