using System;
using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using Xunit;
using static HvCall.Simulation.Tests.HostileGuest;

namespace HvCall.Simulation.Tests;

/// <summary>
/// Open, close, teardown and unload in the orders a guest may send them (vmbus-datapath.md §1 CLOSECHANNEL has no
/// reply, then GPADL_TEARDOWN → GPADL_TORNDOWN; §2 a teardown of a GPADL in use is deferred until it is released;
/// vmbus.md §4 step 7 UNLOAD → UNLOAD_RESPONSE), byte by byte against the L0 host.
/// </summary>
public sealed class ChannelLifecycleTests
{
    private const uint Echo = 5;
    private const uint Gpadl = 0xE1E10;
    private static readonly ulong[] RingPfns = [0x400, 0x401, 0x402, 0x403, 0x404, 0x405, 0x406, 0x407];

    public static TheoryData<Topology, HvArchitecture> Machines => new()
    {
        { Topology.Flat, HvArchitecture.X64 },
        { Topology.Nested, HvArchitecture.X64 },
        { Topology.Flat, HvArchitecture.Arm64 },
    };

    private static HostileGuest Opened(Topology topology = Topology.Flat, HvArchitecture architecture = HvArchitecture.X64)
    {
        var guest = Connect(topology, architecture);
        Assert.Equal(0u, guest.CreateGpadl(Echo, Gpadl, RingPfns));
        Assert.Equal(0u, guest.Open(Echo, Gpadl, 0, 4));
        return guest;
    }

    /// <summary>GPADL_TORNDOWN (12), 12 bytes: gpadl @8.</summary>
    private static void AssertTorndown(byte[] reply, uint gpadl)
    {
        Assert.Equal(12, reply.Length);
        Assert.Equal((12u, gpadl), (Type(reply), U32(reply, 8)));
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void CloseThenTeardown_GivesTorndown(Topology topology, HvArchitecture architecture)
    {
        var guest = Opened(topology, architecture);
        Assert.Empty(guest.Exchange(CloseChannel(Echo)));   // CLOSECHANNEL: no reply exists
        Assert.Empty(guest.Host.OpenChannels);
        Assert.Equal(1, guest.Host.GpadlCount);
        AssertTorndown(Assert.Single(guest.Exchange(GpadlTeardown(Echo, Gpadl))), Gpadl);
        Assert.Equal(0, guest.Host.GpadlCount);
        Assert.Empty(guest.Host.Errors);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void TeardownWhileOpen_IsDeferred_UntilClose(Topology topology, HvArchitecture architecture)
    {
        var guest = Opened(topology, architecture);
        Assert.Empty(guest.Exchange(GpadlTeardown(Echo, Gpadl)));
        Assert.Equal([Echo], guest.Host.OpenChannels.Keys.ToArray());
        Assert.False(guest.Host.OpenChannels[Echo].Broken);
        Assert.Equal(1, guest.Host.GpadlCount);
        Assert.Empty(guest.Settle(200));                      // nothing arrives later either
        AssertTorndown(Assert.Single(guest.Exchange(CloseChannel(Echo))), Gpadl);
        Assert.Empty(guest.Host.OpenChannels);
        Assert.Equal(0, guest.Host.GpadlCount);
        Assert.Empty(guest.Host.Errors);
    }

    [Fact]
    public void TeardownPending_RefusesASecondTeardown_AndAReopen()
    {
        var guest = Opened();
        Assert.Empty(guest.Exchange(GpadlTeardown(Echo, Gpadl)));
        Assert.Empty(guest.Exchange(GpadlTeardown(Echo, Gpadl)));
        Assert.Contains("TeardownPending", Assert.Single(guest.Host.Errors), StringComparison.Ordinal);
        AssertTorndown(Assert.Single(guest.Exchange(CloseChannel(Echo))), Gpadl);
        // The GPADL is gone: opening over it again is refused.
        var reply = Assert.Single(guest.Exchange(OpenChannel(Echo, Echo, Gpadl, 0, 4)));
        Assert.Equal((6u, Echo), (Type(reply), U32(reply, 8)));
        Assert.NotEqual(0u, U32(reply, 16));
    }

    [Fact]
    public void TeardownOfAGpadlNeverOpened_IsAnsweredAtOnce()
    {
        var guest = Connect();
        Assert.Equal(0u, guest.CreateGpadl(Echo, Gpadl, RingPfns));
        AssertTorndown(Assert.Single(guest.Exchange(GpadlTeardown(Echo, Gpadl))), Gpadl);
        Assert.Equal(0, guest.Host.GpadlCount);
        Assert.Empty(guest.Host.Errors);
    }

    [Fact]
    public void ClosedChannel_ReopensOverANewGpadl()
    {
        var guest = Opened();
        Assert.Empty(guest.Exchange(CloseChannel(Echo)));
        AssertTorndown(Assert.Single(guest.Exchange(GpadlTeardown(Echo, Gpadl))), Gpadl);
        Assert.Equal(0u, guest.CreateGpadl(Echo, Gpadl + 1, [0x500, 0x501, 0x502, 0x503, 0x504, 0x505, 0x506, 0x507]));
        Assert.Equal(0u, guest.Open(Echo, Gpadl + 1, 0, 4));
        Assert.Equal(Gpadl + 1, guest.Host.OpenChannels[Echo].Gpadl);
        Assert.Equal(2, guest.Host.ChannelsOpened.Count);
        Assert.Empty(guest.Host.Errors);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void Unload_IsAnsweredWithUnloadResponse_AndLeavesTheHostEmpty(Topology topology, HvArchitecture architecture)
    {
        var guest = Opened(topology, architecture);
        Assert.Equal(0u, guest.CreateGpadl(3, Gpadl + 1, [0x500, 0x501, 0x502, 0x503]));
        var reply = Assert.Single(guest.Exchange(Header(16)));
        Assert.Equal((17u, 8), (Type(reply), reply.Length)); // UNLOAD_RESPONSE: the header only
        Assert.Equal(1, guest.Host.Unloads);
        Assert.Null(guest.Host.NegotiatedVersion);
        Assert.Empty(guest.Host.OpenChannels);
        Assert.Equal(0, guest.Host.GpadlCount);
        Assert.Empty(guest.Host.Errors);
    }

    [Fact]
    public void AfterUnload_ChannelMessagesAreIgnored_UntilTheGuestConnectsAgain()
    {
        var guest = Opened();
        Assert.Equal(17u, Type(Assert.Single(guest.Exchange(Header(16)))));
        Assert.Empty(guest.Exchange(OpenChannel(Echo, Echo, Gpadl, 0, 4)));
        Assert.Contains("before a version was negotiated", Assert.Single(guest.Host.Errors), StringComparison.Ordinal);
        // kexec: the next kernel negotiates again and gets the same five offers.
        var version = Assert.Single(guest.Exchange(InitiateContact(SimulationHarness.Version52, 0), ContactConnection));
        Assert.Equal((15u, (byte)1), (Type(version), version[8]));
        var offers = guest.Exchange(Header(3));
        Assert.Equal(SimulationHarness.OfferedTypes, offers.Take(5).Select(o => new Guid(o.AsSpan(8, 16))).ToArray());
        Assert.Equal(4u, Type(offers[^1]));
        Assert.Equal(0u, guest.CreateGpadl(Echo, Gpadl, RingPfns));
        Assert.Equal(0u, guest.Open(Echo, Gpadl, 0, 4));
    }

    [Fact]
    public void InitiateContact_WhileConnected_Renegotiates_AndARefusalIsAllZero()
    {
        var guest = Opened();
        // 5.3 is above this host: VERSION_RESPONSE with every field zero (OpenVMM; vmbus.md §3); the connection and
        // its channels are reset.
        var refused = Assert.Single(guest.Exchange(InitiateContact(SimulationHarness.Version53, 0), ContactConnection));
        Assert.Equal(16, refused.Length);
        Assert.Equal(15u, Type(refused));
        Assert.All(refused.Skip(4), b => Assert.Equal(0, b));
        Assert.Null(guest.Host.NegotiatedVersion);
        Assert.Empty(guest.Host.OpenChannels);
        Assert.Equal(0, guest.Host.GpadlCount);
        // Below 5.0 on connection 1: accepted, and the last field is the version itself.
        var old = Assert.Single(guest.Exchange(InitiateContact(SimulationHarness.Version41, 0)));
        Assert.Equal((15u, (byte)1, (byte)0, SimulationHarness.Version41), (Type(old), old[8], old[9], U32(old, 12)));
        // 5.2: accepted, connection_state 0, msg_conn_id 1.
        var current = Assert.Single(guest.Exchange(InitiateContact(SimulationHarness.Version52, 0), ContactConnection));
        Assert.Equal((15u, (byte)1, (byte)0, 1u), (Type(current), current[8], current[9], U32(current, 12)));
        Assert.Equal(SimulationHarness.Version52, guest.Host.NegotiatedVersion);
        Assert.Empty(guest.Host.Errors);
    }
}
