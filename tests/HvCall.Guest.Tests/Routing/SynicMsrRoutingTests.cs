using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck.Fluent;
using HvCall.Abi;
using HvCall.Guest.Routing;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Routing;

/// <summary>SynIC MSR redirection (facts §7): +0x1000 for SCONTROL..EOM and SINT0–15 on a nested root, nothing else.</summary>
public sealed class SynicMsrRoutingTests
{
    /// <summary>The redirected MSRs, written out from the facts sheet.</summary>
    internal static readonly HashSet<uint> Redirected = BuildRedirected();

    private static readonly SynicMsrRouting Nested = SynicMsrRouting.Create(Issuer.NestedRoot);

    private static HashSet<uint> BuildRedirected()
    {
        var set = new HashSet<uint> { 0x4000_0080, 0x4000_0081, 0x4000_0082, 0x4000_0083, 0x4000_0084 };
        for (var msr = 0x4000_0090u; msr <= 0x4000_009F; msr++)
            set.Add(msr);
        return set;
    }

    [Fact]
    public void RouteAddsTheOffsetExactlyForTheRedirectedSet() => Deterministic.Check(Prop.ForAll(Deterministic.Msr, msr =>
        Nested.Route(msr) == (Redirected.Contains(msr) ? msr + 0x1000 : msr)));

    [Fact]
    public void DenseSweepOfTheSyntheticRange()
    {
        for (var msr = 0x3FFF_FF00u; msr <= 0x4000_2100; msr++)
        {
            var expected = Redirected.Contains(msr) ? msr + 0x1000 : msr;
            Assert.True(Nested.Route(msr) == expected, $"MSR 0x{msr:X8} routed to 0x{Nested.Route(msr):X8}");
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0x4000_007Fu)]
    [InlineData(0x4000_0085u)]
    [InlineData(0x4000_008Fu)]
    [InlineData(0x4000_00A0u)]
    [InlineData(0x4000_00B0u)]
    [InlineData(0xC000_0080u)]
    [InlineData(0xFFFF_FFFFu)]
    [InlineData(0x0000_0080u)]
    public void EdgeMsrsAreNotRedirected(uint msr) => Assert.Equal(msr, Nested.Route(msr));

    [Fact]
    public void FlatRoutingChangesNothing()
    {
        var flat = SynicMsrRouting.Create(Issuer.Flat);
        Assert.Same(SynicMsrRouting.None, flat);
        Assert.False(flat.IsEnabled);
        Deterministic.Check(Prop.ForAll(Deterministic.Msr, msr => flat.Route(msr) == msr));
        foreach (var msr in Redirected)
            Assert.Equal(msr, flat.Route(msr));
    }

    [Fact]
    public void NestedRoutingIsEnabled() => Assert.True(Nested.IsEnabled);

    [Fact]
    public void Arm64NestedRootIsRefused() =>
        Assert.Throws<NotSupportedException>(() => SynicMsrRouting.Create(new RoutingConfiguration(HvArchitecture.Arm64, true)));

    [Fact]
    public void Arm64FlatIsNone() =>
        Assert.Same(SynicMsrRouting.None, SynicMsrRouting.Create(RoutingConfiguration.Flat(HvArchitecture.Arm64)));

    [Fact]
    public void RedirectsListTheFiveControlRegistersAndSixteenSints()
    {
        var redirects = SynicMsrRouting.Create(new RoutingConfiguration(HvArchitecture.X64, NestedRoot: true)).Redirects;
        uint[] expected = [0x40000080, 0x40000081, 0x40000082, 0x40000083, 0x40000084,
            0x40000090, 0x40000091, 0x40000092, 0x40000093, 0x40000094, 0x40000095, 0x40000096, 0x40000097,
            0x40000098, 0x40000099, 0x4000009A, 0x4000009B, 0x4000009C, 0x4000009D, 0x4000009E, 0x4000009F];
        Assert.Equal(expected, redirects.Select(r => r.From));
        Assert.All(redirects, r => Assert.Equal(r.From + 0x1000, r.To));
        Assert.Empty(SynicMsrRouting.None.Redirects);
    }
}
