using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using HvCall.Abi.Catalog;
using Xunit;

namespace HvCall.Cli.Tests;

public sealed class CodesCommandTests
{
    // The facts sheet's code table (hyperv-abi.md §4): code, TLFS name, shape annotation ("-" where it gives none).
    private static (int Code, string Name, string Shape)[] SheetCodes() =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Golden", "codes.txt"))
            .Where(static l => l.StartsWith("0x", StringComparison.Ordinal))
            .Select(static l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(static f => (Convert.ToInt32(f[0], 16), f[1], f[2]))
            .ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Json_OneRowPerCodeOfTheFactsSheet_WithItsNameShapeAndExtendedRange(bool nestedRoot)
    {
        using var json = CliRunner.Ok(nestedRoot ? ["codes", "--nested-root", "--json"] : ["codes", "--json"]).Json();
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        var rows = json.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("code").GetInt32());
        var sheet = SheetCodes();
        Assert.Equal(sheet.Select(s => s.Code).Order(), rows.Keys.Order());
        foreach (var (code, name, shape) in sheet)
        {
            var row = rows[code];
            JsonAssert.String(row, "name", name);
            if (shape != "-")
                JsonAssert.String(row, "shape", shape);
            // hyperv-abi.md §4: extended codes are the ones from 0x8001 on.
            JsonAssert.Bool(row, "extended", code >= 0x8001);
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
        Assert.Matches(@"^code\s+name\s+shape\s+fast\s+extended\s+nested\s+handled$", lines[0]);
        Assert.Matches(@"(?m)^0x005C\s+HvCallPostMessage\s+simple\s+no\s+no\s+yes\s+yes$", text);
        Assert.Matches(@"(?m)^0x005D\s+HvCallSignalEvent\s+simple\s+yes\s+no\s+yes\s+yes$", text);
        Assert.Matches(@"(?m)^0x8001\s+HvExtCallQueryCapabilities\s+", text);
        Assert.Equal(SheetCodes().Length, lines.Count(l => l.StartsWith("0x", System.StringComparison.Ordinal)));
    }

    [Fact]
    public void UnknownOption_IsUsageError()
    {
        CliRunner.UsageError("codes", "--arch", "x64");
    }

    // Codes hyperv-abi.md §4 lists as Hyper-V's and that HvCall's simulated hypervisor implements (docs/machine-model.md):
    // the VMBus calls (§8), the port calls, the direct calls, the VP-register and flush calls, and the extended
    // HvExtCallQueryCapabilities.
    [Theory]
    [InlineData(0x0002)] [InlineData(0x0003)] [InlineData(0x0008)] [InlineData(0x000B)] [InlineData(0x0046)]
    [InlineData(0x0050)] [InlineData(0x0051)] [InlineData(0x0058)] [InlineData(0x005B)] [InlineData(0x005C)]
    [InlineData(0x005D)] [InlineData(0x0095)] [InlineData(0x0096)] [InlineData(0x00C0)] [InlineData(0x00C1)]
    [InlineData(0x8001)]
    public void Handled_TheCallsTheSimulationImplements(int code) => Assert.True(Handled()[code]);

    // Codes Hyper-V has (§4) and the simulation does not: partition management, VTLs, MMIO.
    [Theory]
    [InlineData(0x0001)] [InlineData(0x0040)] [InlineData(0x0011)] [InlineData(0x0106)] [InlineData(0x8002)]
    public void NotHandled_CallsTheSimulationLacks(int code) => Assert.False(Handled()[code]);

    [Fact]
    public void Handled_MatchesWhatTheHypervisorAnswers()
    {
        // Issued by a root with every privilege, a code without a handler answers INVALID_HYPERCALL_CODE (0x2, §6); a
        // code with one never does (it fails later, on its input, or succeeds).
        foreach (var (code, handled) in Handled())
        {
            using var json = CliRunner.Ok("call", "--control", $"0x{code:X}", "--caller", "root", "--privileges", "0xFFFF_FFFF_FFFF_FFFF", "--json").Json();
            var status = json.RootElement.GetProperty("status").GetInt32();
            Assert.True(handled == (status != 2), $"code 0x{code:X4}: handled {handled}, status 0x{status:X}");
        }
    }

    [Fact]
    public void Text_SummaryCountsTheHandledCodes()
    {
        var handled = Handled().Count(static pair => pair.Value);
        Assert.Contains($"{handled} handled by the simulated hypervisor", CliRunner.Ok("codes").Stdout);
    }

    private static System.Collections.Generic.Dictionary<int, bool> Handled()
    {
        using var json = CliRunner.Ok("codes", "--json").Json();
        return json.RootElement.EnumerateArray().ToDictionary(row => row.GetProperty("code").GetInt32(), row => row.GetProperty("handled").GetBoolean());
    }

    [Theory]
    [InlineData("postmessage")]
    [InlineData("PostMessage")]
    [InlineData("HvCallPostMessage")]
    [InlineData("hvcallpostmessage")]
    [InlineData("HVCALL_POST_MESSAGE")]          // Linux's name (§4)
    [InlineData("post_message")]
    [InlineData("0x5C")]
    [InlineData("92")]
    [InlineData("0x005c")]
    public void OneCode_ByNameOrValue(string name)
    {
        using var json = CliRunner.Ok("codes", name, "--json").Json();
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        JsonAssert.Number(json.RootElement, "code", 0x5C);
        JsonAssert.String(json.RootElement, "name", "HvCallPostMessage");
        JsonAssert.Bool(json.RootElement, "handled", true);
    }

    [Theory]
    [InlineData("QueryCapabilities")]
    [InlineData("HvExtCallQueryCapabilities")]
    [InlineData("HV_EXT_CALL_QUERY_CAPABILITIES")]
    public void OneExtendedCode_ByName(string name)
    {
        using var json = CliRunner.Ok("codes", name, "--json").Json();
        JsonAssert.Number(json.RootElement, "code", 0x8001);   // §4: extended codes start at 0x8001
        JsonAssert.Bool(json.RootElement, "extended", true);
    }

    [Fact]
    public void OneCode_Text_HeaderAndOneRow()
    {
        var lines = CliRunner.Ok("codes", "signalevent", "--nested-root").Stdout.Split('\n', System.StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^0x005D\s+HvCallSignalEvent\s+simple\s+yes\s+no\s+yes\s+yes$", lines[1]);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("0x1234")]
    [InlineData("0x1_0000")]
    [InlineData("HvCall")]
    public void UnknownCode_IsOneLine_Exit2(string name)
    {
        var run = CliRunner.UsageError("codes", name);
        Assert.Contains(name, run.Stderr, System.StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void NameKeys_AreUnique()
    {
        var keys = HypercallCatalog.All.Select(static info => Infrastructure.NameLookup.CodeKey(info.Name)).ToArray();
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }
}
