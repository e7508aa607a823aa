using System.Collections.Generic;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Golden;

/// <summary>Control words of Golden/control-words.txt: decoding the raw value and encoding the fields.</summary>
public sealed class ControlWordGoldenTests
{
    private const string File = "control-words.txt";

    public static TheoryData<string> Lines() => GoldenFile.Locations(File);

    private static readonly string[] Keys = ["code", "name", "fast", "hdr", "nested", "reps", "start", "reserved"];

    [Theory]
    [MemberData(nameof(Lines))]
    public void RawValueDecodesToTheExpectedFields(string location)
    {
        var line = GoldenFile.At(location);
        var fields = Expect(line);
        var control = new HypercallControl(line.Hex(0));

        Check(location, "code", GoldenLine.ParseHex(fields["code"], line), control.Code.Value);
        Assert.True(control.Code.ToString() == fields["name"], $"{location}: code name '{control.Code}', expected '{fields["name"]}'");
        Check(location, "fast", GoldenLine.ParseHex(fields["fast"], line), control.IsFast ? 1UL : 0);
        Check(location, "hdr", GoldenLine.ParseHex(fields["hdr"], line), (ulong)control.VariableHeaderSize);
        Check(location, "nested", GoldenLine.ParseHex(fields["nested"], line), control.IsNested ? 1UL : 0);
        Check(location, "reps", GoldenLine.ParseHex(fields["reps"], line), (ulong)control.RepCount);
        Check(location, "start", GoldenLine.ParseHex(fields["start"], line), (ulong)control.RepStart);
        var reserved = GoldenLine.ParseHex(fields["reserved"], line);
        Check(location, "reserved", reserved, control.ReservedBits);
        Assert.True(control.HasReservedBits == (reserved != 0), $"{location}: HasReservedBits is {control.HasReservedBits}");
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void FieldsEncodeToTheRawValue(string location)
    {
        var line = GoldenFile.At(location);
        var fields = Expect(line);
        var built = HypercallControl.For(new HvCallCode((ushort)GoldenLine.ParseHex(fields["code"], line)))
            .WithFast(GoldenLine.ParseHex(fields["fast"], line) == 1)
            .WithVariableHeaderSize((int)GoldenLine.ParseHex(fields["hdr"], line))
            .WithNested(GoldenLine.ParseHex(fields["nested"], line) == 1)
            .WithRepCount((int)GoldenLine.ParseHex(fields["reps"], line))
            .WithRepStart((int)GoldenLine.ParseHex(fields["start"], line))
            .WithReservedBits(GoldenLine.ParseHex(fields["reserved"], line));
        Check(location, "raw", line.Hex(0), built.Value);
        Assert.True(built.ToString() == line.Fields[0], $"{location}: ToString() is {built}, expected {line.Fields[0]}");
    }

    [Fact]
    public void TheFileCoversNestedFastRepHeaderAndEveryReservedRange()
    {
        var words = new List<HypercallControl>();
        foreach (var line in GoldenFile.Read(File))
            words.Add(new HypercallControl(line.Hex(0)));
        Assert.Contains(words, w => w.Value == 0x8000_005C);
        Assert.Contains(words, w => w.Value == 0x8001_005D);
        Assert.Contains(words, w => w.Value == 0x1_005D);
        Assert.Contains(words, w => w.RepCount > 0 && w.RepStart > 0);
        Assert.Contains(words, w => w.VariableHeaderSize > 0);
        Assert.Contains(words, w => (w.Value & 0x0000_0000_7800_0000) != 0);
        Assert.Contains(words, w => (w.Value & 0x0000_F000_0000_0000) != 0);
        Assert.Contains(words, w => (w.Value & 0xF000_0000_0000_0000) != 0);
    }

    private static Dictionary<string, string> Expect(GoldenLine line)
    {
        var fields = line.KeyValues();
        foreach (var key in Keys)
            Assert.True(fields.ContainsKey(key), $"{line.Location}: missing field '{key}'");
        return fields;
    }

    private static void Check(string location, string field, ulong expected, ulong actual) =>
        Assert.True(expected == actual, $"{location}: {field} is 0x{actual:X}, expected 0x{expected:X}");
}
