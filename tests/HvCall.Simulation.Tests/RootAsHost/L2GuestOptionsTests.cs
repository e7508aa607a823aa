using System;
using System.Linq;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using Xunit;
using static HvCall.Simulation.Tests.RootAsHost.RootAsHostHarness;

namespace HvCall.Simulation.Tests.RootAsHost;

/// <summary>MachineOptions.L2Guests: nested only, 1 by default on nested and 0 on flat, 0 gives the root alone, at most 16.</summary>
public sealed class L2GuestOptionsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void L2Guests_OnFlat_AreRefused_NamingTheNestedTopology(int count)
    {
        var options = new MachineOptions { Topology = Topology.Flat, L2Guests = count };

        var problem = options.Validate();
        Assert.NotNull(problem);
        Assert.Contains("nested", problem, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', problem);
        Assert.Throws<ArgumentException>(() => Machine.Build(options));
        Assert.Throws<ArgumentException>(() => VmBusBringUp.Run(options));
    }

    [Fact]
    public void ZeroL2Guests_OnFlat_IsFine()
    {
        var options = new MachineOptions { Topology = Topology.Flat, L2Guests = 0 };

        Assert.Null(options.Validate());
        Assert.Empty(Machine.Build(options).L2Guests);
    }

    [Fact]
    public void DefaultCount_IsOneOnNested_AndZeroOnFlat()
    {
        Assert.Null(new MachineOptions().L2Guests);
        Assert.Equal(1, new MachineOptions { Topology = Topology.Nested }.L2GuestCount);
        Assert.Equal(0, new MachineOptions { Topology = Topology.Flat }.L2GuestCount);
        Assert.Equal(0, new MachineOptions().L2GuestCount);

        var nested = Machine.Build(new MachineOptions { Topology = Topology.Nested });
        Assert.Equal([Child(0)], nested.L2Guests.Select(g => g.Name).ToArray());
        var flat = Machine.Build(new MachineOptions());
        Assert.Empty(flat.L2Guests);
        Assert.Null(flat.L1);
    }

    [Fact]
    public void ZeroL2Guests_OnNested_GivesTheRootAlone()
    {
        var options = Nested(0);
        var machine = Machine.Build(options);
        Assert.Empty(machine.L2Guests);
        Assert.Equal([Root], machine.L1!.Partitions.Select(p => p.Name).ToArray());

        var report = VmBusBringUp.Run(options);
        Assert.True(report.Succeeded, Describe(report));
        Assert.Empty(report.Children);
        Assert.All(report.Hypercalls, e => Assert.Equal(Root, e.Partition));
        // No management or Direct call: the root's only calls are its client's, nested to L0.
        Assert.DoesNotContain(report.Hypercalls, e => RootL1Codes.Any(code => Is(e, code)));
        Assert.All(report.Hypercalls, e => Assert.Equal((L0, true), (e.HandledBy, Nested(e))));
        Assert.Equal(RootClientPosts, report.Hypercalls.Count(e => Is(e, PostMessage)));
        Assert.Equal(0, report.Failures);
    }

    [Fact]
    public void MaxL2Guests_IsSixteen_AndBoundsTheCount()
    {
        Assert.Equal(16, MachineOptions.MaxL2Guests);
        Assert.Null(Nested(16).Validate());
        Assert.NotNull(Nested(17).Validate());
        Assert.NotNull(Nested(-1).Validate());
        Assert.Throws<ArgumentException>(() => Machine.Build(Nested(17)));
        Assert.Contains("16", Nested(17).Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void SixteenGuests_AllServed()
    {
        var report = VmBusBringUp.Run(Nested(MachineOptions.MaxL2Guests, vps: 1, seed: 16));

        Assert.True(report.Succeeded, Describe(report));
        Assert.Equal(16, report.Children.Count);
        Assert.Equal(Enumerable.Range(0, 16).Select(Child).ToArray(), report.Children.Select(c => c.Partition).ToArray());
        Assert.All(report.Children, c => Assert.True(c.Unloaded && c.EchoesVerified == 1000 && c.Heartbeats == 3, c.Partition));
    }

    [Fact]
    public void Builder_SetsTheCount()
    {
        var machine = Machine.Builder().WithTopology(Topology.Nested).WithL2Guests(3).WithVps(2).Build();

        Assert.Equal(3, machine.Options.L2GuestCount);
        Assert.Equal(3, machine.L2Guests.Count);
        Assert.All(machine.L2Guests, g => Assert.Equal(2, g.Partition.VirtualProcessors.Count));
        Assert.Throws<ArgumentException>(() => Machine.Builder().WithL2Guests(1).Build());
    }
}
