using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary><c>hvcall decode -</c>: one value per line of standard input.</summary>
public sealed class DecodeStdinTests
{
    [Fact]
    public void EveryLine_Decoded_BlankLinesSkipped()
    {
        var run = CliRunner.RunWithInput("0x5C\n\n  0x8000005C  \n0x1_0001_005D\n", "decode", "-");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Stderr);
        // One block per value (hyperv-abi.md §1: 0x5C PostMessage; bit 31 nested; bit 16 fast, rep count 1 in 43:32).
        Assert.Equal(3, Regex.Matches(run.Stdout, "(?m)^control word").Count);
        Assert.Matches(@"(?m)^nested\s+yes$", run.Stdout);
        Assert.Matches(@"(?m)^code\s+0x005D\s+HvCallSignalEvent$", run.Stdout);
        Assert.Matches(@"(?m)^rep count\s+1$", run.Stdout);
        Assert.Equal(2, Regex.Matches(run.Stdout, @"\n\n").Count);   // a blank line between blocks
    }

    [Fact]
    public void BadLine_ReportedWithItsNumber_RestDecoded_Exit2()
    {
        var run = CliRunner.RunWithInput("0x5C\nzz\n\n0x\n0x5D\n", "decode", "-");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(2, Regex.Matches(run.Stdout, "(?m)^control word").Count);
        Assert.Equal(2, run.StderrLines.Length);
        Assert.StartsWith("hvcall: error: line 2: 'zz' is not a number", run.StderrLines[0], System.StringComparison.Ordinal);
        Assert.StartsWith("hvcall: error: line 4: '0x' has no hex digits", run.StderrLines[1], System.StringComparison.Ordinal);
    }

    [Fact]
    public void Json_OneArray_WithLineNumbers()
    {
        var run = CliRunner.RunWithInput("0x5C\n\nbad\n0x8000005D\n", "decode", "-", "--json");
        Assert.Equal(2, run.ExitCode);
        using var json = run.Json();
        var rows = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, rows.Length);
        JsonAssert.Number(rows[0], "line", 1);
        JsonAssert.Number(rows[0], "code", 0x5C);
        JsonAssert.Number(rows[1], "line", 4);
        JsonAssert.Number(rows[1], "code", 0x5D);
        JsonAssert.Bool(rows[1], "nested", true);
    }

    [Fact]
    public void Results_FromStandardInput()
    {
        // §2/§3: status 0x13 INSUFFICIENT_BUFFERS with 3 reps completed in bits 43:32.
        var run = CliRunner.RunWithInput("0x300000013\n0x12\n", "decode", "-", "--result", "--json");
        Assert.Equal(0, run.ExitCode);
        using var json = run.Json();
        var rows = json.RootElement.EnumerateArray().ToArray();
        JsonAssert.String(rows[0], "statusName", "HV_STATUS_INSUFFICIENT_BUFFERS");
        JsonAssert.Number(rows[0], "repsCompleted", 3);
        JsonAssert.String(rows[1], "statusName", "HV_STATUS_INVALID_CONNECTION_ID");
    }

    [Fact]
    public void EmptyInput_NothingToDo_Exit0()
    {
        var run = CliRunner.RunWithInput("\n\n", "decode", "-", "--json");
        Assert.Equal(0, run.ExitCode);
        using var json = run.Json();
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.Equal(0, json.RootElement.GetArrayLength());
    }

    [Fact]
    public void SingleValue_JsonHasNoLine()
    {
        using var json = CliRunner.Ok("decode", "0x5C", "--json").Json();
        Assert.False(json.RootElement.TryGetProperty("line", out _));
        JsonAssert.Number(json.RootElement, "reservedBitsValue", 0);
    }
}
