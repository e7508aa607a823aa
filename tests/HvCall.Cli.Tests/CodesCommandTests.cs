using System.Linq;
using System.Text.Json;
using HvCall.Abi.Catalog;
using Xunit;

namespace HvCall.Cli.Tests;

public sealed class CodesCommandTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Json_OneRowPerCatalogEntry(bool nestedRoot)
    {
        using var json = CliRunner.Ok(nestedRoot ? ["codes", "--nested-root", "--json"] : ["codes", "--json"]).Json();
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        var rows = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(HypercallCatalog.All.Length, rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            var info = HypercallCatalog.All[i];
            JsonAssert.Number(rows[i], "code", info.Code.Value);
            JsonAssert.String(rows[i], "name", info.Name);
            JsonAssert.Bool(rows[i], "fast", info.FastCapable);
            JsonAssert.Bool(rows[i], "extended", info.IsExtended);
            Assert.Equal(JsonValueKind.String, rows[i].GetProperty("shape").ValueKind);
        }
    }

    [Fact]
    public void NestedRoot_OnlyPostMessageAndSignalEventNested()
    {
        using var json = CliRunner.Ok("codes", "--nested-root", "--json").Json();
        var nested = json.RootElement.EnumerateArray()
            .Where(row => row.GetProperty("nested").GetBoolean())
            .Select(row => row.GetProperty("code").GetInt32())
            .ToArray();
        Assert.Equal([0x5C, 0x5D], nested);
    }

    [Fact]
    public void Flat_NothingNested()
    {
        using var json = CliRunner.Ok("codes", "--json").Json();
        Assert.All(json.RootElement.EnumerateArray(), row => JsonAssert.Bool(row, "nested", false));
    }

    [Fact]
    public void Shapes_SpeltInKebabCase()
    {
        using var json = CliRunner.Ok("codes", "--json").Json();
        var shapes = json.RootElement.EnumerateArray().ToDictionary(
            row => row.GetProperty("code").GetInt32(), row => row.GetProperty("shape").GetString());
        Assert.Equal("simple", shapes[0x5C]);
        Assert.Equal("rep", shapes[0x03]);
        Assert.Equal("variable", shapes[0x13]);
        Assert.Equal("variable-rep", shapes[0x14]);
        Assert.All(shapes.Values, s => Assert.Contains(s, new[] { "simple", "rep", "variable", "variable-rep" }));
    }

    [Fact]
    public void Text_TableWithHexCodes()
    {
        var text = CliRunner.Ok("codes", "--nested-root").Stdout;
        var lines = text.Split('\n');
        Assert.Matches(@"^code\s+name\s+shape\s+fast\s+extended\s+nested$", lines[0]);
        Assert.Matches(@"(?m)^0x005C\s+HvCallPostMessage\s+simple\s+no\s+no\s+yes$", text);
        Assert.Matches(@"(?m)^0x005D\s+HvCallSignalEvent\s+simple\s+yes\s+no\s+yes$", text);
        Assert.Matches(@"(?m)^0x8001\s+HvExtCallQueryCapabilities\s+", text);
        Assert.Equal(HypercallCatalog.All.Length, lines.Count(l => l.StartsWith("0x", System.StringComparison.Ordinal)));
    }

    [Fact]
    public void UnknownOption_IsUsageError()
    {
        CliRunner.UsageError("codes", "--arch", "x64");
    }
}
