using HvCall.Abi;
using HvCall.Abi.Cpuid;
using HvCall.Guest.Routing;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Routing;

/// <summary>Nested-root detection: CPUID 0x40000004 EAX bit 12 on x64, never on ARM64 (facts §5, §9).</summary>
public sealed class RoutingConfigurationTests
{
    [Theory]
    [InlineData(0x0000_1000u, true)]
    [InlineData(0x0000_102Cu, true)]
    [InlineData(0x0000_0000u, false)]
    [InlineData(0xFFFF_EFFFu, false)]
    public void X64DetectsTheNestedBitInLeaf0x40000004(uint eax, bool nested)
    {
        var cpuid = new FakeCpuid()
            .With(0x4000_0004, new CpuidResult(eax, 0, 0, 0))
            .With(0x4000_0003, new CpuidResult(0x1000, 0x1000, 0x1000, 0x1000));
        var configuration = RoutingConfiguration.Detect(cpuid, HvArchitecture.X64);
        Assert.Equal(nested, configuration.NestedRoot);
        Assert.Equal(HvArchitecture.X64, configuration.Architecture);
        Assert.Contains(0x4000_0004u, cpuid.Queried);
    }

    [Fact]
    public void OtherRegistersOfTheLeafDoNotCount()
    {
        var cpuid = new FakeCpuid().With(0x4000_0004, new CpuidResult(0, 0x1000, 0x1000, 0x1000));
        Assert.False(RoutingConfiguration.Detect(cpuid, HvArchitecture.X64).NestedRoot);
    }

    [Fact]
    public void Arm64IsAlwaysFlatAndDoesNotAskCpuid()
    {
        var cpuid = new FakeCpuid().With(0x4000_0004, new CpuidResult(0xFFFF_FFFF, 0, 0, 0));
        var configuration = RoutingConfiguration.Detect(cpuid, HvArchitecture.Arm64);
        Assert.False(configuration.NestedRoot);
        Assert.Equal(HvArchitecture.Arm64, configuration.Architecture);
        Assert.Empty(cpuid.Queried);
    }

    [Fact]
    public void DetectedNestedRootBuildsThePostMessageSignalEventTable()
    {
        var cpuid = new FakeCpuid().With(0x4000_0004, new CpuidResult(1u << 12, 0, 0, 0));
        var table = NestedRouting.Create(RoutingConfiguration.Detect(cpuid, HvArchitecture.X64));
        Assert.Equal([HvCallCode.PostMessage, HvCallCode.SignalEvent], table.Codes);
    }

    [Fact]
    public void FlatFactoryIsNotNestedAndUsesTheCatalogDefault()
    {
        var flat = RoutingConfiguration.Flat(HvArchitecture.X64);
        Assert.False(flat.NestedRoot);
        Assert.True(flat.NestedCodes.IsDefault);
    }

    [Fact]
    public void NullCpuidThrows() =>
        Assert.Throws<System.ArgumentNullException>(() => RoutingConfiguration.Detect(null!, HvArchitecture.X64));
}
