using System;
using System.Collections.Immutable;
using System.Linq;
using HvCall.Abi;
using HvCall.Guest.Routing;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Routing;

/// <summary>The 512-bit nested routing table (facts §4 and §9).</summary>
public sealed class NestedRoutingTests
{
    private static readonly NestedRouting NestedRoot = NestedRouting.Create(Issuer.NestedRoot);

    [Fact]
    public void TableIs64Bytes()
    {
        Assert.Equal(64, NestedRouting.SizeInBytes);
        Assert.Equal(64, NestedRouting.None.Bytes.Length);
        Assert.Equal(64, NestedRoot.Bytes.Length);
    }

    [Fact]
    public void FlatTableIsAllZero()
    {
        var table = NestedRouting.Create(Issuer.Flat);
        Assert.Same(NestedRouting.None, table);
        Assert.True(table.Bytes.IndexOfAnyExcept((byte)0) < 0);
        Assert.False(table.IsEnabled);
        Assert.Empty(table.Codes);
    }

    [Fact]
    public void FlatTableNeverSetsTheNestedBit()
    {
        var table = NestedRouting.Create(Issuer.Flat);
        for (var code = 0; code <= 0xFFFF; code++)
            Assert.Equal(0UL, table.FlagFor((ushort)code));
    }

    [Fact]
    public void NestedRootTableHasExactlyPostMessageAndSignalEvent()
    {
        var expected = new byte[64];
        expected[0x5C / 8] |= (byte)(1 << (0x5C % 8));
        expected[0x5D / 8] |= (byte)(1 << (0x5D % 8));
        Assert.Equal(expected, NestedRoot.Bytes.ToArray());
        Assert.Equal([(ushort)0x5C, (ushort)0x5D], NestedRoot.Codes.Select(c => c.Value));
        Assert.True(NestedRoot.IsEnabled);
    }

    [Fact]
    public void NestedRootFlagIsBit31ForTheNestedSetOnly()
    {
        for (var code = 0; code < 512; code++)
        {
            var expected = code is 0x5C or 0x5D ? 1UL << 31 : 0;
            Assert.Equal(expected, NestedRoot.FlagFor((ushort)code));
            Assert.Equal(expected != 0, NestedRoot.IsNested((ushort)code));
        }
    }

    [Fact]
    public void CodesFrom512UpAreNeverNestedEvenWithEveryBitSet()
    {
        var tables = new[] { NestedRoot, NestedRouting.AllNormalCodes };
        foreach (var table in tables)
        {
            for (var code = 512; code <= 0xFFFF; code++)
                Assert.True(table.FlagFor((ushort)code) == 0, $"code 0x{code:X4} is nested");
        }
    }

    [Fact]
    public void AllNormalCodesTableSetsEveryCodeBelow512()
    {
        Assert.True(NestedRouting.AllNormalCodes.Bytes.IndexOfAnyExcept((byte)0xFF) < 0);
        for (var code = 0; code < 512; code++)
            Assert.Equal(1UL << 31, NestedRouting.AllNormalCodes.FlagFor((ushort)code));
    }

    [Fact]
    public void ExplicitNestedCodesAreExactlyTheOnesSet()
    {
        ImmutableArray<HvCallCode> codes = [0x01FF, 0x0001, 0x0040, 0x0050];
        var table = NestedRouting.Create(Issuer.NestedRoot with { NestedCodes = codes });
        Assert.Equal([(ushort)0x0001, (ushort)0x0040, (ushort)0x0050, (ushort)0x01FF], table.Codes.Select(c => c.Value));
        var bytes = table.Bytes.ToArray();
        for (var code = 0; code < 512; code++)
        {
            var set = (bytes[code / 8] >> (code % 8) & 1) == 1;
            Assert.Equal(codes.Contains((ushort)code), set);
        }
        Assert.False(table.IsNested(HvCallCode.PostMessage));
        Assert.False(table.IsNested(HvCallCode.SignalEvent));
    }

    [Fact]
    public void ExplicitEmptyNestedCodesGiveAnEmptyTable()
    {
        var table = NestedRouting.Create(Issuer.NestedRoot with { NestedCodes = [] });
        Assert.False(table.IsEnabled);
        Assert.True(table.Bytes.IndexOfAnyExcept((byte)0) < 0);
    }

    [Theory]
    [InlineData(0x0200)]
    [InlineData(0x7FFF)]
    [InlineData(0x8001)]
    [InlineData(0xFFFF)]
    public void ACodeOf512OrMoreInNestedCodesThrows(int code) =>
        Assert.Throws<ArgumentException>(() =>
            NestedRouting.Create(Issuer.NestedRoot with { NestedCodes = [HvCallCode.PostMessage, (ushort)code] }));

    [Fact]
    public void Arm64NestedRootIsRefused() =>
        Assert.Throws<NotSupportedException>(() => NestedRouting.Create(new RoutingConfiguration(HvArchitecture.Arm64, NestedRoot: true)));

    [Fact]
    public void Arm64FlatIsTheEmptyTable() =>
        Assert.Same(NestedRouting.None, NestedRouting.Create(RoutingConfiguration.Flat(HvArchitecture.Arm64)));

    [Fact]
    public void NullConfigurationThrows() =>
        Assert.Throws<ArgumentNullException>(() => NestedRouting.Create(null!));
}
