using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using HvCall.Abi.Catalog;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Golden;

/// <summary>Every call code of facts §4 (Golden/codes.txt) against the catalog and HvCallCode, in both directions.</summary>
public sealed class CallCodeGoldenTests
{
    private const string File = "codes.txt";

    public static TheoryData<string> Lines() => GoldenFile.Locations(File);

    [Theory]
    [MemberData(nameof(Lines))]
    public void CodeIsCatalogedUnderItsTlfsName(string location)
    {
        var line = GoldenFile.At(location);
        var code = new HvCallCode(checked((ushort)line.Hex(0)));
        var name = line.Fields[1];

        Assert.True(HypercallCatalog.TryGet(code, out var info), $"{location}: 0x{code.Value:X4} {name} is missing from the catalog");
        Assert.True(info.Name == name, $"{location}: catalog names 0x{code.Value:X4} '{info.Name}', expected '{name}'");
        Assert.True(info.Code == code, $"{location}: entry code 0x{info.Code.Value:X4}");
        Assert.True(code.ToString() == name, $"{location}: HvCallCode.ToString() is '{code}', expected '{name}'");
        Assert.True(HypercallCatalog.Get(code) == info, $"{location}: Get and TryGet disagree");
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void NameLooksUpTheCode(string location)
    {
        var line = GoldenFile.At(location);
        var name = line.Fields[1];
        Assert.True(HypercallCatalog.TryGetByName(name, out var info), $"{location}: TryGetByName('{name}') failed");
        Assert.True(info.Code.Value == line.Hex(0), $"{location}: '{name}' found 0x{info.Code.Value:X4}");
        Assert.True(HypercallCatalog.TryGetByName(name.ToUpperInvariant(), out var upper) && upper == info,
            $"{location}: lookup by name is not case-insensitive");
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void ExtendedCodesAreTheHvExtCallOnes(string location)
    {
        var line = GoldenFile.At(location);
        var code = new HvCallCode((ushort)line.Hex(0));
        var extended = code.Value >= 0x8001;
        Assert.True(code.IsExtended == extended, $"{location}: IsExtended is {code.IsExtended}");
        Assert.True(HypercallCatalog.Get(code).IsExtended == extended, $"{location}: HypercallInfo.IsExtended disagrees");
        var prefix = extended ? "HvExtCall" : "HvCall";
        Assert.True(line.Fields[1].StartsWith(prefix, StringComparison.Ordinal), $"{location}: name should start with {prefix}");
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void AnnotatedShapeMatches(string location)
    {
        var line = GoldenFile.At(location);
        var info = HypercallCatalog.Get(new HvCallCode((ushort)line.Hex(0)));
        var shape = line.Fields[2];
        switch (shape)
        {
            case "-":
                return;
            case "rep":
                Assert.True(info.Shape == HypercallShape.Rep, $"{location}: shape {info.Shape}, expected Rep");
                break;
            case "variable":
                Assert.True(info.Shape == HypercallShape.Variable, $"{location}: shape {info.Shape}, expected Variable");
                break;
            case "variable-rep":
                Assert.True(info.Shape == HypercallShape.VariableRep, $"{location}: shape {info.Shape}, expected VariableRep");
                break;
            default:
                Assert.Fail($"{location}: unknown shape '{shape}'");
                break;
        }
        Assert.True(info.IsRep == shape.EndsWith("rep", StringComparison.Ordinal), $"{location}: IsRep is {info.IsRep}");
        Assert.True(info.IsVariable == shape.StartsWith("variable", StringComparison.Ordinal), $"{location}: IsVariable is {info.IsVariable}");
    }

    [Fact]
    public void EveryCatalogEntryIsInTheGoldenFile()
    {
        var golden = GoldenFile.Read(File).ToDictionary(l => (ushort)l.Hex(0));
        var missing = HypercallCatalog.All
            .Where(info => !golden.TryGetValue(info.Code.Value, out var line) || line.Fields[1] != info.Name)
            .Select(info => $"0x{info.Code.Value:X4} {info.Name}")
            .ToList();
        Assert.True(missing.Count == 0, $"catalog entries not in {File}: {string.Join(", ", missing)}");
        Assert.Equal(golden.Count, HypercallCatalog.All.Length);
    }

    [Fact]
    public void GoldenFileHasNoDuplicates()
    {
        var lines = GoldenFile.Read(File);
        var duplicates = lines.GroupBy(l => l.Fields[0]).Where(g => g.Count() > 1).Select(g => g.First().Location).ToList();
        Assert.True(duplicates.Count == 0, $"duplicate codes at {string.Join(", ", duplicates)}");
        Assert.Equal(76, lines.Count);
    }

    public static TheoryData<string> NamedCodeProperties()
    {
        var data = new TheoryData<string>();
        foreach (var property in typeof(HvCallCode).GetProperties(BindingFlags.Public | BindingFlags.Static))
        {
            if (property.PropertyType == typeof(HvCallCode))
                data.Add(property.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(NamedCodeProperties))]
    public void NamedCodePropertyMatchesTheGoldenName(string property)
    {
        var code = (HvCallCode)typeof(HvCallCode).GetProperty(property)!.GetValue(null)!;
        var expected = property.StartsWith("Ext", StringComparison.Ordinal) ? "HvExtCall" + property[3..] : "HvCall" + property;
        var line = GoldenFile.Read(File).SingleOrDefault(l => l.Hex(0) == code.Value);
        Assert.True(line is not null, $"HvCallCode.{property} = 0x{code.Value:X4} is not in {File}");
        Assert.True(line.Fields[1] == expected, $"{line.Location}: HvCallCode.{property} names '{line.Fields[1]}', expected '{expected}'");
    }

    [Fact]
    public void EveryGoldenCodeHasANamedProperty()
    {
        var named = new HashSet<ushort>(typeof(HvCallCode).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(HvCallCode))
            .Select(p => ((HvCallCode)p.GetValue(null)!).Value));
        var missing = GoldenFile.Read(File).Where(l => !named.Contains((ushort)l.Hex(0))).Select(l => l.Location).ToList();
        Assert.True(missing.Count == 0, $"codes with no HvCallCode property: {string.Join(", ", missing)}");
    }
}
