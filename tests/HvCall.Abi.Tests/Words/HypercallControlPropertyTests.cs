using System;
using FsCheck.Fluent;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Words;

/// <summary>
/// Properties of the control word against the facts-sheet layout (§1): 15:0 code, 16 fast, 26:17
/// variable header, 30:27 reserved, 31 nested, 43:32 rep count, 47:44 reserved, 59:48 rep start,
/// 63:60 reserved.
/// </summary>
public sealed class HypercallControlPropertyTests
{
    private static readonly ulong ReservedFromFacts = Bits.Mask(30, 27) | Bits.Mask(47, 44) | Bits.Mask(63, 60);

    [Fact]
    public void DecodedFieldsMatchFactsSheetPositions() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, v =>
    {
        var c = new HypercallControl(v);
        Assert.Equal(v, (ulong)c);
        Assert.Equal(Bits.Get(v, 15, 0), c.Code.Value);
        Assert.Equal(Bits.Get(v, 16, 16) == 1, c.IsFast);
        Assert.Equal(Bits.Get(v, 26, 17), (ulong)c.VariableHeaderSize);
        Assert.Equal(Bits.Get(v, 31, 31) == 1, c.IsNested);
        Assert.Equal(Bits.Get(v, 43, 32), (ulong)c.RepCount);
        Assert.Equal(Bits.Get(v, 59, 48), (ulong)c.RepStart);
        Assert.Equal(v & ReservedFromFacts, c.ReservedBits);
        Assert.Equal((v & ReservedFromFacts) != 0, c.HasReservedBits);
    }));

    [Fact]
    public void BuilderPlacesEveryFieldAtTheSheetsBitPosition() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt64, Deterministic.UInt64, (a, b) =>
        {
            // Independent field values, placed here with the sheet's shifts (§1), not through HypercallControl.
            var code = (ushort)a;
            var fast = ((a >> 16) & 1) == 1;
            var header = (int)((a >> 20) & 0x3FF);
            var nested = ((a >> 30) & 1) == 1;
            var reps = (int)((a >> 40) & 0xFFF);
            var start = (int)(b & 0xFFF);
            var reserved = b & ReservedFromFacts;
            var expected = code | (fast ? 1UL << 16 : 0) | ((ulong)header << 17) | (nested ? 1UL << 31 : 0)
                | ((ulong)reps << 32) | ((ulong)start << 48) | reserved;

            var built = HypercallControl.For(new HvCallCode(code)).WithFast(fast).WithVariableHeaderSize(header)
                .WithNested(nested).WithRepCount(reps).WithRepStart(start).WithReservedBits(b);
            Assert.Equal(expected, built.Value);
            Assert.Equal((code, fast, header, nested, reps, start, reserved),
                (built.Code.Value, built.IsFast, built.VariableHeaderSize, built.IsNested, built.RepCount, built.RepStart, built.ReservedBits));
        }));

    [Fact]
    public void WithCodeSetsOnlyBits15To0() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, Deterministic.UInt16, (v, code) =>
        new HypercallControl(v).WithCode(new HvCallCode(code)).Value == Bits.Set(v, 15, 0, code)));

    [Fact]
    public void WithFastSetsOnlyBit16() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, v =>
        new HypercallControl(v).WithFast(true).Value == (v | (1UL << 16))
        && new HypercallControl(v).WithFast(false).Value == (v & ~(1UL << 16))
        && new HypercallControl(v).WithFast().IsFast));

    [Fact]
    public void WithNestedSetsOnlyBit31() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, v =>
        new HypercallControl(v).WithNested(true).Value == (v | (1UL << 31))
        && new HypercallControl(v).WithNested(false).Value == (v & ~(1UL << 31))
        && new HypercallControl(v).WithNested().IsNested));

    [Fact]
    public void WithVariableHeaderSizeSetsOnlyBits26To17() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt64, Deterministic.Range(0, 0x3FF), (v, size) =>
            new HypercallControl(v).WithVariableHeaderSize(size).Value == Bits.Set(v, 26, 17, (ulong)size)));

    [Fact]
    public void WithRepCountSetsOnlyBits43To32() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt64, Deterministic.Range(0, 0xFFF), (v, count) =>
            new HypercallControl(v).WithRepCount(count).Value == Bits.Set(v, 43, 32, (ulong)count)));

    [Fact]
    public void WithRepStartSetsOnlyBits59To48() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt64, Deterministic.Range(0, 0xFFF), (v, start) =>
            new HypercallControl(v).WithRepStart(start).Value == Bits.Set(v, 59, 48, (ulong)start)));

    [Fact]
    public void WithReservedBitsTouchesOnlyReservedBits() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt64, Deterministic.UInt64, (v, bits) =>
            new HypercallControl(v).WithReservedBits(bits).Value == ((v & ~ReservedFromFacts) | (bits & ReservedFromFacts))));

    [Fact]
    public void ForSetsOnlyTheCode() => Deterministic.Check(Prop.ForAll(Deterministic.UInt16, code =>
        HypercallControl.For(new HvCallCode(code)).Value == code));

    public static TheoryData<int> AllBitPositions()
    {
        var data = new TheoryData<int>();
        for (var bit = 0; bit < 64; bit++)
            data.Add(bit);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllBitPositions))]
    public void ASingleBitIsReservedExactlyInBits30To27_47To44_63To60(int bit)
    {
        var expectedReserved = bit is >= 27 and <= 30 or >= 44 and <= 47 or >= 60;
        var control = new HypercallControl(1UL << bit);
        Assert.Equal(expectedReserved, control.HasReservedBits);
        Assert.Equal(expectedReserved ? 1UL << bit : 0, control.ReservedBits);
        Assert.Equal(bit == 31, control.IsNested);
    }

    [Fact]
    public void NestedIsBit31NotTheStaleBit26()
    {
        var stale = new HypercallControl(0x0400_005C);
        Assert.False(stale.IsNested);
        Assert.Equal(0x200, stale.VariableHeaderSize);
        Assert.Equal(0x8000_005CUL, HypercallControl.For(HvCallCode.PostMessage).WithNested().Value);
        Assert.Equal(1UL << 31, HypercallControl.NestedBit);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0x400)]
    [InlineData(int.MaxValue)]
    public void VariableHeaderSizeOutside10BitsThrows(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => default(HypercallControl).WithVariableHeaderSize(size));

    [Theory]
    [InlineData(-1)]
    [InlineData(0x1000)]
    public void RepFieldsOutside12BitsThrow(int value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => default(HypercallControl).WithRepCount(value));
        Assert.Throws<ArgumentOutOfRangeException>(() => default(HypercallControl).WithRepStart(value));
    }

    [Fact]
    public void ToStringIsSixteenHexDigits() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, v =>
        new HypercallControl(v).ToString() == "0x" + v.ToString("X16", System.Globalization.CultureInfo.InvariantCulture)));
}
