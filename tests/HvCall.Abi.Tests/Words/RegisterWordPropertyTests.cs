using FsCheck.Fluent;
using HvCall.Abi.Registers;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Words;

/// <summary>
/// SINTn values (facts §7: 7:0 vector 16–255, 16 masked, 17 auto EOI, 18 polling; reset 0x10000; the other
/// bits are TLFS RsvdP, so they never make a write invalid) and SIMP/SIEFP values (bit 0 enable, 63:12 page frame).
/// </summary>
public sealed class RegisterWordPropertyTests
{
    private static readonly ulong SintDefinedBits = Bits.Mask(7, 0) | (1UL << 16) | (1UL << 17) | (1UL << 18);

    [Fact]
    public void SintRegisterRawValueRoundTripsAndDecodes() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, v =>
    {
        var sint = new SintRegister(v);
        Assert.Equal(v, sint.Value);
        Assert.Equal(Bits.Get(v, 7, 0), (ulong)sint.Vector);
        Assert.Equal(Bits.Get(v, 16, 16) == 1, sint.IsMasked);
        Assert.Equal(Bits.Get(v, 17, 17) == 1, sint.AutoEoi);
        Assert.Equal(Bits.Get(v, 18, 18) == 1, sint.Polling);
    }));

    [Fact]
    public void SintValidityFollowsTheVectorRangeOnlyReservedBitsAreRsvdP() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, v =>
    {
        var masked = Bits.Get(v, 16, 16) == 1;
        var expected = masked || Bits.Get(v, 7, 0) >= 16;
        Assert.Equal(expected, new SintRegister(v).IsValid);
        // Setting or clearing reserved bits never changes validity.
        Assert.Equal(expected, new SintRegister(v & SintDefinedBits).IsValid);
        Assert.Equal(expected, new SintRegister(v | ~SintDefinedBits).IsValid);
    }));

    [Fact]
    public void SintDefinedMaskIsVectorMaskedAutoEoiPolling() => Assert.Equal(0x0000_0000_0007_00FFUL, SintRegister.DefinedMask);

    [Fact]
    public void SintResetValueIsMaskedVectorZero()
    {
        Assert.Equal(0x10000UL, SintRegister.Reset.Value);
        Assert.True(SintRegister.Reset.IsMasked);
        Assert.True(SintRegister.Reset.IsValid);
        Assert.Equal(0, SintRegister.Reset.Vector);
    }

    [Fact]
    public void UnmaskedSintCarriesVectorAndAutoEoi() => Deterministic.Check(Prop.ForAll(
        Deterministic.Range(0, 255), Arb.From(Gen.Elements(true, false)), (vector, autoEoi) =>
        {
            var sint = SintRegister.Unmasked((byte)vector, autoEoi);
            Assert.Equal((ulong)(uint)vector | (autoEoi ? 1UL << 17 : 0), sint.Value);
            Assert.False(sint.IsMasked);
            Assert.False(sint.Polling);
            Assert.Equal(vector >= 16, sint.IsValid);
        }));

    [Theory]
    [InlineData(0x0000_0000_0001_0000UL, true)]
    [InlineData(0x0000_0000_0000_000FUL, false)]
    [InlineData(0x0000_0000_0000_0010UL, true)]
    [InlineData(0x0000_0000_0002_00FFUL, true)]
    [InlineData(0x0000_0000_0008_0030UL, true)]   // bit 19 (Linux as_intercept): RsvdP
    [InlineData(0x0000_0000_0010_0030UL, true)]   // bit 20 (Linux proxy): RsvdP
    [InlineData(0x0000_0000_0018_00F3UL, true)]   // bits 19 and 20 with vector 0xF3
    [InlineData(0x8000_0000_0000_0030UL, true)]   // bit 63: RsvdP
    [InlineData(0x0000_0000_0000_FF30UL, true)]   // bits 15:8: RsvdP
    [InlineData(0xFFFF_FFFF_FFF8_FF30UL, true)]   // every reserved bit
    [InlineData(0x0000_0000_0018_000FUL, false)]  // reserved bits do not excuse an unmasked vector below 16
    [InlineData(0x0000_0000_0019_000FUL, true)]   // masked: any vector
    public void SintValidityExamples(ulong value, bool valid) => Assert.Equal(valid, new SintRegister(value).IsValid);

    [Fact]
    public void SynicPageRegisterRawValueRoundTripsAndDecodes() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, v =>
    {
        var page = new SynicPageRegister(v);
        Assert.Equal(v, page.Value);
        Assert.Equal((v & 1) == 1, page.IsEnabled);
        Assert.Equal(Bits.Get(v, 63, 12) << 12, page.Gpa);
    }));

    [Fact]
    public void EnabledPageRegisterKeepsThePageFrameAndSetsBit0() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, gpa =>
    {
        var page = SynicPageRegister.Enabled(gpa);
        Assert.True(page.IsEnabled);
        Assert.Equal(gpa & ~0xFFFUL, page.Gpa);
        Assert.Equal((gpa & ~0xFFFUL) | 1, page.Value);
    }));
}
