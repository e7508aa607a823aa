using System;
using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using Xunit;
using static HvCall.Simulation.Tests.SimulationHarness;

namespace HvCall.Simulation.Tests;

/// <summary>VMBus bring-up and routing on flat x64, flat ARM64 and nested x64 (vmbus.md §3, §4, §6; hyperv-abi.md §9).</summary>
public sealed class VmBusBringUpTests
{
    public static TheoryData<Topology, HvArchitecture> Machines => new()
    {
        { Topology.Flat, HvArchitecture.X64 },
        { Topology.Flat, HvArchitecture.Arm64 },
        { Topology.Nested, HvArchitecture.X64 },
    };

    [Theory]
    [MemberData(nameof(Machines))]
    public void Connects_AtVersion52_WithFiveOffers(Topology topology, HvArchitecture architecture)
    {
        var report = VmBusBringUp.Run(Options(topology, architecture));

        Assert.True(report.Completed);
        Assert.Empty(report.Errors);
        Assert.True(report.VmBusConnected);
        Assert.Equal(Version52, report.VmBusVersion);
        Assert.Equal(OfferedTypes, report.Offers.Select(o => o.InterfaceType).ToArray());
        Assert.Equal([1u, 2u, 3u, 4u, 5u], report.Offers.Select(o => o.ChildRelId).ToArray());
        Assert.All(report.Offers, o => Assert.Equal(o.ChildRelId | ConnectionIdBase, o.ConnectionId));
        Assert.Equal(5, report.Offers.Select(o => o.InterfaceInstance).Distinct().Count());
        Assert.Equal(0, report.Failures);
        Assert.True(report.Succeeded);
        Assert.Equal(topology, report.Topology);
        Assert.Equal(architecture, report.Architecture);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void FirstInitiateContact_IsRefused_ThenVersion52Accepted(Topology topology, HvArchitecture architecture)
    {
        var run = RunHosted(Options(topology, architecture));
        Assert.True(run.Completed);
        var trace = run.Machine.Trace.Entries;

        // 5.3 refused, 5.2 accepted, REQUESTOFFERS: three posts before the first channel signal.
        var firstSignal = trace.ToList().FindIndex(e => Is(e, SignalEventCode));
        Assert.True(firstSignal > 0);
        Assert.True(trace.Take(firstSignal).Count(e => Is(e, PostMessageCode)) >= 3);
        var posts = trace.Where(e => Is(e, PostMessageCode)).ToList();
        Assert.Equal(DefaultPosts, posts.Count);
        Assert.All(posts, e => Assert.Equal(HvStatus.Success, e.Result.Status));
        Assert.All(posts, e => Assert.Equal(0u, e.Vp));
        Assert.Equal(DefaultPosts, run.Host.MessagesReceived);
        Assert.Equal(Version52, run.Client.Version);
        // UNLOAD ends the connection: the host forgets the version and answered once.
        Assert.Null(run.Host.NegotiatedVersion);
        Assert.Equal(1, run.Host.Unloads);
    }

    [Fact]
    public void HostAccepting53_NeedsOneInitiateContactLess()
    {
        var run = RunHosted(Options(Topology.Flat), maxVersion: Version53);
        Assert.True(run.Client.Connected);
        Assert.Equal(Version53, run.Client.Version);
        Assert.Equal(DefaultPosts - 1, Count(run.Machine.Trace.Entries, PostMessageCode));
        Assert.True(run.Report.Succeeded, Describe(run.Report));
    }

    [Theory]
    [InlineData(Topology.Flat)]
    [InlineData(Topology.Nested)]
    public void HostBelow50_RefusesFourVersions_ThenChannelsRunOnConnection1(Topology topology)
    {
        // 5.3..5.0 refused on connection 4, 4.1 accepted on connection 1; every later message goes to connection 1.
        var run = RunHosted(Options(topology), maxVersion: Version41);
        Assert.True(run.Client.Connected);
        Assert.Equal(Version41, run.Client.Version);
        Assert.Equal(DefaultPosts + 3, Count(run.Machine.Trace.Entries, PostMessageCode));
        Assert.True(run.Report.Succeeded, Describe(run.Report));
        Assert.Equal(1000, run.Report.EchoesVerified);
    }

    [Theory]
    [InlineData(Topology.Flat)]
    [InlineData(Topology.Nested)]
    public void HostWithoutConnection4_FailsEvery5xContact_ThenConnectsAt41OnConnection1(Topology topology)
    {
        // An old host has no connection id 4: each 5.x INITIATE_CONTACT fails with INVALID_CONNECTION_ID and the
        // guest drops to the next version (vmbus.md §3 "Errors"); 4.1 goes to connection 1 and everything follows it.
        var run = RunHosted(Options(topology), maxVersion: Version41,
            prepare: (m, _) => Assert.Equal(HvStatus.Success, m.L0.DisconnectPort(m.VmBusPartition, 4)));
        var posts = run.Machine.Trace.Entries.Where(e => Is(e, PostMessageCode)).ToList();
        Assert.All(posts.Take(4), e => Assert.Equal((HvStatus)0x12, e.Result.Status));
        Assert.All(posts.Skip(4), e => Assert.Equal(HvStatus.Success, e.Result.Status));
        Assert.Equal(DefaultPosts + 3, posts.Count);
        Assert.Equal(Version41, run.Client.Version);
        Assert.True(run.Client.Unloaded);
        Assert.Equal(1000, run.Report.EchoesVerified);
        // Falling back to the next version is normal flow (Linux), not an error, once a version is accepted.
        Assert.Empty(run.Report.Errors);
        Assert.True(run.Report.Succeeded);
    }

    [Fact]
    public void Nested_EveryVmBusCall_CarriesNestedBit_AndIsHandledByL0()
    {
        var report = VmBusBringUp.Run(Options(Topology.Nested));
        var calls = VmBusCalls(report.Hypercalls).ToList();
        Assert.Equal(DefaultPosts, calls.Count(e => Is(e, PostMessageCode)));
        Assert.Equal(report.SignalsSent, calls.Count(e => Is(e, SignalEventCode)));
        Assert.True(report.SignalsSent > 0);
        Assert.All(calls, e =>
        {
            Assert.True(e.Control.IsNested, $"{e.Control} lacks the nested bit");
            Assert.Equal("L0", e.HandledBy);
        });
        Assert.True(report.NestedRouting);
    }

    [Theory]
    [InlineData(HvArchitecture.X64)]
    [InlineData(HvArchitecture.Arm64)]
    public void Flat_NoCallCarriesNestedBit_AllHandledByL0(HvArchitecture architecture)
    {
        var report = VmBusBringUp.Run(Options(Topology.Flat, architecture));
        Assert.NotEmpty(report.Hypercalls);
        Assert.All(report.Hypercalls, e =>
        {
            Assert.False(e.Control.IsNested);
            Assert.Equal(0UL, e.Control.Value & NestedBit);
            Assert.Equal("L0", e.HandledBy);
        });
        Assert.Equal(DefaultPosts + report.SignalsSent, VmBusCalls(report.Hypercalls).Count());
        Assert.False(report.NestedRouting);
    }

    [Fact]
    public void Arm64_ReachesSynicThroughFastSetVpRegisters()
    {
        var report = VmBusBringUp.Run(Options(Topology.Flat, HvArchitecture.Arm64));
        var sets = report.Hypercalls.Where(e => Is(e, SetVpRegistersCode)).ToList();
        // GUEST_OS_ID, SIMP, SIEFP, SINT2, SCONTROL at least (EOMs come on top); each a fast rep call of one register.
        Assert.True(sets.Count >= 5, $"{sets.Count} SetVpRegisters calls");
        Assert.All(sets, e =>
        {
            Assert.True(e.Control.IsFast);
            Assert.Equal(1, e.Control.RepCount);
            Assert.Equal(HvStatus.Success, e.Result.Status);
            Assert.Equal(1, e.Result.RepsCompleted);
        });
        Assert.DoesNotContain(report.Hypercalls, e => e.Control.IsNested);
        Assert.True(report.Succeeded, Describe(report));
    }

    [Fact]
    public void X64_ReachesSynicThroughMsrs_NoRegisterHypercalls()
    {
        foreach (var topology in new[] { Topology.Flat, Topology.Nested })
        {
            var report = VmBusBringUp.Run(Options(topology));
            Assert.DoesNotContain(report.Hypercalls, e => Is(e, SetVpRegistersCode));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void SameGuestCode_FlatAndNested_IdenticalApartFromNestedBit(int vps)
    {
        var flat = VmBusBringUp.Run(Options(Topology.Flat, vps: vps, seed: 5));
        var nested = VmBusBringUp.Run(Options(Topology.Nested, vps: vps, seed: 5));

        static (uint Vp, ulong Control, HvStatus Status, int Reps)[] Shape(SimulationReport report) =>
            report.Hypercalls.Select(e => (e.Vp, e.Control.Value & ~NestedBit, e.Result.Status, e.Result.RepsCompleted)).ToArray();

        Assert.Equal(Shape(flat), Shape(nested));
        Assert.Equal(flat.Channels, nested.Channels);
        Assert.NotEmpty(flat.Hypercalls);
        Assert.All(flat.Hypercalls, e => Assert.False(e.Control.IsNested));
        Assert.All(nested.Hypercalls, e => Assert.True(e.Control.IsNested));
        Assert.True(flat.Succeeded, Describe(flat));
        Assert.True(nested.Succeeded, Describe(nested));
    }

    [Fact]
    public void RoutingOff_Nested_FailsOnL1WithInvalidConnectionId()
    {
        var report = VmBusBringUp.Run(Options(Topology.Nested, routing: RoutingMode.None));

        Assert.True(report.Completed);
        Assert.False(report.VmBusConnected);
        Assert.Equal(0u, report.VmBusVersion);
        Assert.Empty(report.Offers);
        Assert.Empty(report.Channels);
        Assert.False(report.Unloaded);
        Assert.False(report.NestedRouting);
        Assert.Equal(8, report.Hypercalls.Count);
        Assert.All(report.Hypercalls, e =>
        {
            Assert.Equal(PostMessageCode, e.Control.Code.Value);
            Assert.False(e.Control.IsNested);
            Assert.Equal("L1", e.HandledBy);
            Assert.Equal((HvStatus)0x12, e.Result.Status);
        });
        Assert.Equal(8, report.Failures);
        // One INITIATE_CONTACT per Linux version: 5.3..5.0 on connection 4, 4.1..2.4 on connection 1.
        Assert.Equal(4, report.Errors.Count(e => e.Contains("to connection 4 failed", StringComparison.Ordinal)));
        Assert.Equal(4, report.Errors.Count(e => e.Contains("to connection 1 failed", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(HvArchitecture.X64)]
    [InlineData(HvArchitecture.Arm64)]
    public void RoutingOff_Flat_StillConnects(HvArchitecture architecture)
    {
        var off = VmBusBringUp.Run(Options(Topology.Flat, architecture, routing: RoutingMode.None));
        var auto = VmBusBringUp.Run(Options(Topology.Flat, architecture));
        Assert.True(off.VmBusConnected);
        Assert.Equal(Version52, off.VmBusVersion);
        Assert.Equal(0, off.Failures);
        Assert.True(off.Succeeded, Describe(off));
        Assert.Equal(Fingerprint(auto.Hypercalls), Fingerprint(off.Hypercalls));
    }
}
