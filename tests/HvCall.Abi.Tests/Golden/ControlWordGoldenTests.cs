using System.Collections.Generic;
using System.Linq;
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
    public void TheFileSetsEveryFieldAndTheCodeDecodesEachSuchWord()
    {
        // Facts §1 positions, written here: fast 16, header 26:17, nested 31, rep count 43:32, rep start 59:48,
        // reserved 30:27, 47:44, 63:60. Every field is set by some line, and the code reads it from each such line.
        var raws = GoldenFile.Read(File).Select(l => l.Hex(0)).ToArray();
        (string Field, int Low, ulong Width)[] fields =
        [
            ("fast", 16, 0x1), ("header", 17, 0x3FF), ("nested", 31, 0x1), ("reps", 32, 0xFFF), ("start", 48, 0xFFF),
            ("reserved 30:27", 27, 0xF), ("reserved 47:44", 44, 0xF), ("reserved 63:60", 60, 0xF),
        ];
        foreach (var (field, low, width) in fields)
        {
            var mask = width << low;
            var words = raws.Where(r => (r & mask) != 0).ToArray();
            Assert.True(words.Length > 0, $"no word in {File} sets {field}");
            foreach (var raw in words)
            {
                var control = new HypercallControl(raw);
                var value = (raw & mask) >> low;
                var decoded = field switch
                {
                    "fast" => control.IsFast ? 1UL : 0,
                    "header" => (ulong)control.VariableHeaderSize,
                    "nested" => control.IsNested ? 1UL : 0,
                    "reps" => (ulong)control.RepCount,
                    "start" => (ulong)control.RepStart,
                    _ => control.HasReservedBits ? (control.ReservedBits & mask) >> low : 0,
                };
                Assert.True(decoded == value, $"0x{raw:X16}: {field} decodes to 0x{decoded:X}, expected 0x{value:X}");
            }
        }

        // The two words a nested root issues for VMBus (facts §9) are in the file and are what the code builds.
        Assert.Contains(0x8000_005CUL, raws);
        Assert.Contains(0x8001_005DUL, raws);
        Assert.Equal(0x8000_005CUL, HypercallControl.For(HvCallCode.PostMessage).WithNested().Value);
        Assert.Equal(0x8001_005DUL, HypercallControl.For(HvCallCode.SignalEvent).WithFast().WithNested().Value);
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
