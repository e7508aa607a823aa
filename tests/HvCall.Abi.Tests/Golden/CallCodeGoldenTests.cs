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
    public void ShapeIsTheSheetsShape(string location)
    {
        // Every row has a shape (codes.txt says where it comes from): simple calls are checked as simple too.
        var line = GoldenFile.At(location);
        Assert.True(line.Fields.Length == 4, $"{location}: expected code, name, shape, source");
        Assert.True(line.Fields[3] is "abi4" or "linux", $"{location}: unknown source '{line.Fields[3]}'");
        var info = HypercallCatalog.Get(new HvCallCode((ushort)line.Hex(0)));
        var (expected, rep, variable) = line.Fields[2] switch
        {
            "simple" => (HypercallShape.Simple, false, false),
            "rep" => (HypercallShape.Rep, true, false),
            "variable" => (HypercallShape.Variable, false, true),
            "variable-rep" => (HypercallShape.VariableRep, true, true),
            var other => throw new InvalidOperationException($"{location}: unknown shape '{other}'"),
        };
        Assert.True(info.Shape == expected, $"{location}: shape {info.Shape}, expected {expected}");
        Assert.True(info.IsRep == rep, $"{location}: IsRep is {info.IsRep}");
        Assert.True(info.IsVariable == variable, $"{location}: IsVariable is {info.IsVariable}");
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
    public void CatalogListsExactlyTheGoldenCodesInAscendingOrder()
    {
        // The sheet's 71 normal and 5 extended codes, each once, are the catalog's entries in the same order.
        var golden = GoldenFile.Read(File).Select(l => (ushort)l.Hex(0)).ToArray();
        Assert.Equal(76, golden.Length);
        Assert.Equal(golden.Length, golden.Distinct().Count());
        Assert.Equal(golden.Order(), HypercallCatalog.All.Select(i => i.Code.Value));
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
