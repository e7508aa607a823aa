using System;
using System.Linq;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Golden;

/// <summary>Every HV_STATUS of facts §3 (Golden/statuses.txt): value and TLFS spelling, in both directions.</summary>
public sealed class StatusGoldenTests
{
    private const string File = "statuses.txt";

    public static TheoryData<string> Lines() => GoldenFile.Locations(File);

    [Theory]
    [MemberData(nameof(Lines))]
    public void StatusIsDefinedWithItsTlfsName(string location)
    {
        var line = GoldenFile.At(location);
        var status = (HvStatus)checked((ushort)line.Hex(0));
        var name = line.Fields[1];
        Assert.True(Enum.IsDefined(status), $"{location}: HvStatus has no member 0x{(ushort)status:X4}");
        Assert.True(HvStatusNames.IsDefined(status), $"{location}: HvStatusNames.IsDefined is false");
        Assert.True(HvStatusNames.TlfsName(status) == name, $"{location}: TlfsName is '{HvStatusNames.TlfsName(status)}', expected '{name}'");
        Assert.True(new HypercallResult(status).ToString() == $"{name} (reps 0)", $"{location}: result ToString is '{new HypercallResult(status)}'");
    }

    [Fact]
    public void EveryEnumMemberIsInTheGoldenFile()
    {
        var golden = GoldenFile.Read(File).Select(l => (ushort)l.Hex(0)).ToHashSet();
        var extra = Enum.GetValues<HvStatus>().Where(s => !golden.Contains((ushort)s)).Select(s => $"{s}=0x{(ushort)s:X4}").ToList();
        Assert.True(extra.Count == 0, $"HvStatus members not in {File}: {string.Join(", ", extra)}");
        Assert.Equal(golden.Count, Enum.GetValues<HvStatus>().Length);
    }

    [Fact]
    public void InsufficientBuffersIs0x13AndInsufficientBufferIs0x33()
    {
        Assert.Equal(0x13, (ushort)HvStatus.InsufficientBuffers);
        Assert.Equal(0x33, (ushort)HvStatus.InsufficientBuffer);
        Assert.Equal("HV_STATUS_INSUFFICIENT_BUFFERS", HvStatusNames.TlfsName((HvStatus)0x13));
        Assert.Equal("HV_STATUS_INSUFFICIENT_BUFFER", HvStatusNames.TlfsName((HvStatus)0x33));
    }

    [Theory]
    [InlineData(0x0001)]
    [InlineData(0x000F)]
    [InlineData(0x00AB)]
    [InlineData(0xFFFF)]
    public void UndefinedStatusIsSpeltAsHex(int value)
    {
        var status = (HvStatus)(ushort)value;
        Assert.False(HvStatusNames.IsDefined(status));
        Assert.Equal($"0x{value:X4}", HvStatusNames.TlfsName(status));
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void EnumMemberIsTheTlfsNameInPascalCase(string location)
    {
        // HV_STATUS_INVALID_VP_INDEX -> InvalidVpIndex: the member name is derived here from the sheet's spelling,
        // not from the code's name table.
        var line = GoldenFile.At(location);
        var words = line.Fields[1]["HV_STATUS_".Length..].Split('_');
        var expected = string.Concat(words.Select(w => w[..1] + w[1..].ToLowerInvariant()));
        var status = (HvStatus)checked((ushort)line.Hex(0));
        Assert.True(Enum.GetName(status) == expected, $"{location}: HvStatus member is '{Enum.GetName(status)}', expected '{expected}'");
        Assert.True(Enum.TryParse<HvStatus>(expected, out var parsed) && parsed == status, $"{location}: '{expected}' does not parse to 0x{(ushort)status:X4}");
    }

    [Fact]
    public void NoTwoStatusesShareATlfsName()
    {
        var names = GoldenFile.Read(File).Select(l => l.Fields[1]).ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
        var spelt = Enum.GetValues<HvStatus>().Select(HvStatusNames.TlfsName).ToArray();
        Assert.Equal(spelt.Length, spelt.Distinct().Count());
        Assert.Equal(names.Order(StringComparer.Ordinal), spelt.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryDefinedStatusIsDescribed_AndNoOtherValue()
    {
        foreach (var status in Enum.GetValues<HvStatus>())
            Assert.False(string.IsNullOrWhiteSpace(HvStatusNames.Describe(status)), $"{HvStatusNames.TlfsName(status)} has no description");
        Assert.Null(HvStatusNames.Describe((HvStatus)0x00AB));
        Assert.Null(HvStatusNames.Describe((HvStatus)0x0001));
    }
}
