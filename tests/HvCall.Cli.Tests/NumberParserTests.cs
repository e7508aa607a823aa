using HvCall.Simulation.Text;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using HvCall.Cli.Infrastructure;
using Xunit;

namespace HvCall.Cli.Tests;

public sealed class NumberParserTests
{
    [Theory]
    [InlineData("0", 0UL)]
    [InlineData("92", 92UL)]
    [InlineData("0x5C", 0x5CUL)]
    [InlineData("0X5c", 0x5CUL)]
    [InlineData("0x0000_0000_8000_005C", 0x8000005CUL)]
    [InlineData("1_000", 1000UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("0xFFFFFFFFFFFFFFFF", ulong.MaxValue)]
    [InlineData("0x00000000000000000001", 1UL)]
    public void Parses(string text, ulong expected)
    {
        Assert.True(NumberParser.TryParseUInt64(text, out var value, out var error), error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("x5")]
    [InlineData("-1")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("0b101")]
    [InlineData("1e3")]
    [InlineData("18446744073709551616")]
    [InlineData("0x10000000000000000")]
    [InlineData("99999999999999999999")]
    public void Rejects(string text)
    {
        Assert.False(NumberParser.TryParseUInt64(text, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void RoundTrips_EveryValue_DecimalAndHex()
    {
        Prop.ForAll<ulong>(value =>
            NumberParser.TryParseUInt64(value.ToString(CultureInfo.InvariantCulture), out var fromDecimal, out _)
            && fromDecimal == value
            && NumberParser.TryParseUInt64("0x" + value.ToString("x", CultureInfo.InvariantCulture), out var fromHex, out _)
            && fromHex == value)
            .QuickCheckThrowOnFailure();
    }
}
