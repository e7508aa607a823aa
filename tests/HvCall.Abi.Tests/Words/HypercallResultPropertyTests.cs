using System.Globalization;
using FsCheck.Fluent;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Words;

/// <summary>The result word (facts §2): 15:0 status, 43:32 reps completed, the rest reserved.</summary>
public sealed class HypercallResultPropertyTests
{
    [Fact]
    public void RawValueRoundTripsAndFieldsMatchFactsPositions() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, v =>
    {
        var r = new HypercallResult(v);
        Assert.Equal(v, r.Value);
        Assert.Equal(v, (ulong)r);
        Assert.Equal(Bits.Get(v, 15, 0), (ulong)(ushort)r.Status);
        Assert.Equal(Bits.Get(v, 43, 32), (ulong)r.RepsCompleted);
        Assert.Equal(Bits.Get(v, 15, 0) == 0, r.IsSuccess);
    }));

    [Fact]
    public void StatusAndRepsConstructorPlacesFields() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt16, Deterministic.Range(0, 0xFFF), (status, reps) =>
        {
            var r = new HypercallResult((HvStatus)status, reps);
            Assert.Equal((ulong)status | ((ulong)reps << 32), r.Value);
            Assert.Equal((HvStatus)status, r.Status);
            Assert.Equal(reps, r.RepsCompleted);
        }));

    [Fact]
    public void RepsCompletedIgnoresReservedBits()
    {
        var r = new HypercallResult(0xFFFF_F000_FFFF_0000);
        Assert.Equal(0, r.RepsCompleted);
        Assert.True(r.IsSuccess);
    }

    [Fact]
    public void LinuxNoHypercallPageResultIsAFailure()
    {
        // Linux returns U64_MAX when there is no hypercall page (facts §2).
        var r = new HypercallResult(ulong.MaxValue);
        Assert.False(r.IsSuccess);
        Assert.Equal((HvStatus)0xFFFF, r.Status);
        Assert.Equal(0xFFF, r.RepsCompleted);
    }

    [Fact]
    public void ToStringNamesTheStatusAndReps()
    {
        Assert.Equal("HV_STATUS_INVALID_CONNECTION_ID (reps 0)", new HypercallResult(HvStatus.InvalidConnectionId).ToString());
        Assert.Equal("HV_STATUS_SUCCESS (reps 7)", new HypercallResult(0x0000_0007_0000_0000).ToString());
        Assert.Equal("0x00AB (reps 0)", new HypercallResult(0xAB).ToString());
    }

    [Fact]
    public void EqualityFollowsTheRawValue() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, Deterministic.UInt64, (a, b) =>
        (new HypercallResult(a) == new HypercallResult(b)) == (a == b)
        && new HypercallResult(a).ToString().Contains(((int)Bits.Get(a, 43, 32)).ToString(CultureInfo.InvariantCulture), System.StringComparison.Ordinal)));

    [Fact]
    public void ReservedBitsAreExactly31To16And63To44()
    {
        for (var bit = 0; bit < 64; bit++)
        {
            var reserved = bit is >= 16 and <= 31 or >= 44;
            Assert.Equal(reserved ? 1UL << bit : 0, new HypercallResult(1UL << bit).ReservedBits);
        }
    }
}
