using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using Xunit;
using static HvCall.Simulation.Tests.ControlWiretap;
using static HvCall.Simulation.Tests.SimulationHarness;

namespace HvCall.Simulation.Tests;

/// <summary>
/// The guest's channel messages on the wire, read through a tap on message connection 1: GPADL_HEADER/BODY split,
/// OPENCHANNEL fields, close order (vmbus-datapath.md §1, §2, §9). Expected bytes are the sheet's, not the writer's.
/// </summary>
public sealed class ChannelWireTests
{
    // Guest memory of the default machine: 64 MiB = 16384 pages.
    private const ulong PartitionPages = (64UL << 20) / 4096;

    public static TheoryData<Topology, HvArchitecture, int> Machines => new()
    {
        { Topology.Flat, HvArchitecture.X64, 1 },
        { Topology.Flat, HvArchitecture.X64, 4 },
        { Topology.Nested, HvArchitecture.X64, 2 },
        { Topology.Flat, HvArchitecture.Arm64, 4 },
    };

    private static (HostedRun Run, ControlWiretap Tap) Tapped(Topology topology, HvArchitecture architecture, int vps, ChannelWorkload? workload = null)
    {
        ControlWiretap? tap = null;
        var run = RunHosted(Options(topology, architecture, vps), workload: workload, prepare: (m, _) => tap = Install(m));
        Assert.True(run.Report.Succeeded, Describe(run.Report));
        Assert.All(tap!.Forwards, s => Assert.Equal(HvStatus.Success, s));
        return (run, tap);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void AfterVersionResponse_EveryMessageGoesToConnection1_InLinuxOrder(Topology topology, HvArchitecture architecture, int vps)
    {
        var (_, tap) = Tapped(topology, architecture, vps);
        var messages = tap.Messages;

        // Everything but the two INITIATE_CONTACTs (connection 4) arrives here.
        Assert.Equal(DefaultPosts - 2, messages.Count);
        Assert.Equal([3u, 8u], new[] { Type(messages[0]), (uint)messages[0].Length });
        Assert.Equal([16u, 8u], new[] { Type(messages[^1]), (uint)messages[^1].Length });
        Assert.Equal(3, tap.OfType(8).Count());  // GPADL_HEADER
        Assert.Single(tap.OfType(9));            // GPADL_BODY (echo only)
        Assert.Equal(3, tap.OfType(5).Count());  // OPENCHANNEL
        Assert.Equal(3, tap.OfType(7).Count());  // CLOSECHANNEL
        Assert.Equal(3, tap.OfType(11).Count()); // GPADL_TEARDOWN
        foreach (var relId in new[] { HeartbeatRelId, ShutdownRelId, EchoRelId })
        {
            int Index(uint type) => messages.FindIndex(m => Type(m) == type && U32(m, 8) == relId);
            // vmbus_open: GPADL, then OPENCHANNEL; vmbus_close: CLOSECHANNEL, then GPADL_TEARDOWN (§1).
            Assert.True(Index(8) < Index(5) && Index(5) < Index(7) && Index(7) < Index(11), $"channel {relId} out of order");
        }
        // Network and storage (relids 1, 2) have no driver: nothing is sent for them.
        Assert.DoesNotContain(messages.Skip(1).Take(messages.Count - 2), m => U32(m, 8) is 1 or 2);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void IcGpadl_IsTheSheetsHvUtilsExample(Topology topology, HvArchitecture architecture, int vps)
    {
        var (_, tap) = Tapped(topology, architecture, vps);
        foreach (var relId in new[] { HeartbeatRelId, ShutdownRelId })
        {
            // §2 example: 2 × 16 KiB rings → 8 PFNs in the header, no body, 92 bytes, range_buflen 72, byte_count 32768.
            var (header, bodies, pfns) = tap.Gpadl(relId);
            Assert.Equal(92, header.Length);
            Assert.Equal(72, U16(header, 16));
            Assert.Equal(1, U16(header, 18));
            Assert.Equal(32768u, U32(header, 20));
            Assert.Equal(0u, U32(header, 24));
            Assert.Empty(bodies);
            Assert.Equal(8, pfns.Distinct().Count());
            Assert.All(pfns, p => Assert.True(p < PartitionPages));
        }
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void EchoGpadl_Of32Pages_IsAHeaderOf26PfnsAndOneBodyOf6_OverScatteredPages(Topology topology, HvArchitecture architecture, int vps)
    {
        var (_, tap) = Tapped(topology, architecture, vps);
        var (header, bodies, pfns) = tap.Gpadl(EchoRelId);
        // Header: 20 + range header 8 + 26 PFNs = 236; range_buflen 8 + 8·32 = 264; one range of 32 pages, offset 0.
        Assert.Equal(236, header.Length);
        Assert.Equal(264, U16(header, 16));
        Assert.Equal(1, U16(header, 18));
        Assert.Equal(32u * 4096, U32(header, 20));
        Assert.Equal(0u, U32(header, 24));
        // Body: 16 + 6 PFNs = 64 bytes, msgnumber never written (0), same gpadl.
        var body = Assert.Single(bodies);
        Assert.Equal(64, body.Length);
        Assert.Equal(0u, U32(body, 8));
        Assert.Equal(32, pfns.Length);
        Assert.Equal(32, pfns.Distinct().Count());
        Assert.All(pfns, p => Assert.True(p < PartitionPages));
        // The ring pages are scattered: the GPADL's page list is not one consecutive run.
        Assert.Contains(Enumerable.Range(1, 31), i => pfns[i] != pfns[i - 1] + 1);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void OpenCloseAndTeardown_CarryTheSheetsFields(Topology topology, HvArchitecture architecture, int vps)
    {
        var (run, tap) = Tapped(topology, architecture, vps);
        var handles = new[] { HeartbeatRelId, ShutdownRelId, EchoRelId }.Select(r => U32(tap.Gpadl(r).Header, 12)).ToArray();
        Assert.Equal([FirstGpadl, FirstGpadl + 1, FirstGpadl + 2], handles.Order().ToArray());
        foreach (var relId in new[] { HeartbeatRelId, ShutdownRelId, EchoRelId })
        {
            var gpadl = U32(tap.Gpadl(relId).Header, 12);
            var open = Assert.Single(tap.OfType(5), m => U32(m, 8) == relId);
            Assert.Equal(148, open.Length);
            Assert.Equal(relId, U32(open, 12));          // openid = child_relid (Linux)
            Assert.Equal(gpadl, U32(open, 16));          // ringbuffer_gpadlhandle
            Assert.Equal(relId % (uint)vps, U32(open, 20)); // target_vp: the VP the channel runs on
            Assert.Equal(relId == EchoRelId ? 16u : 4u, U32(open, 24)); // downstream offset = pages of the send ring
            Assert.All(open.Skip(28), b => Assert.Equal(0, b)); // no user data
            var close = Assert.Single(tap.OfType(7), m => U32(m, 8) == relId);
            Assert.Equal(12, close.Length);
            var teardown = Assert.Single(tap.OfType(11), m => U32(m, 8) == relId);
            Assert.Equal(16, teardown.Length);
            Assert.Equal(gpadl, U32(teardown, 12));
            Assert.Equal(gpadl, run.Report.Channels.Single(c => c.RelId == relId).Gpadl);
        }
    }

    [Theory]
    [InlineData(13, new[] { 236 }, new int[0])]                    // 26 PFNs: exactly a full header, no body
    [InlineData(14, new[] { 236 }, new[] { 32 })]                  // 28 PFNs: 26 + a body of 2
    [InlineData(64, new[] { 236 }, new[] { 240, 240, 240, 160 })]  // 128 PFNs: 26 + 28 + 28 + 28 + 18
    public void EchoRingSize_DecidesTheBodies(int ringPages, int[] headerLength, int[] bodyLengths)
    {
        var (run, tap) = Tapped(Topology.Flat, HvArchitecture.X64, 1, new ChannelWorkload { EchoRingPages = ringPages, EchoPackets = 300 });
        var (header, bodies, pfns) = tap.Gpadl(EchoRelId);
        Assert.Equal(headerLength[0], header.Length);
        Assert.Equal(8 + 8 * 2 * ringPages, U16(header, 16));
        Assert.Equal(bodyLengths, bodies.Select(b => b.Length).ToArray());
        Assert.Equal(2 * ringPages, pfns.Distinct().Count());
        Assert.Equal((uint)ringPages, U32(Assert.Single(tap.OfType(5), m => U32(m, 8) == EchoRelId), 24));
        // The default run has one echo body; every body is one more PostMessage.
        Assert.Equal(DefaultPosts - 1 + bodyLengths.Length, Count(run.Machine.Trace.Entries, PostMessageCode));
        Assert.Equal(300, run.Report.EchoesVerified);
    }
}
