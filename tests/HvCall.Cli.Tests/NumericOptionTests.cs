using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using HvCall.Cli.Infrastructure;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>Every numeric option of every verb takes the CLI's number syntax (docs/cli.md "Numbers") through the one parser.</summary>
public sealed class NumericOptionTests
{
    private static readonly Type[] NumericTypes =
    [
        typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong),
        typeof(float), typeof(double), typeof(decimal),
    ];

    private static RootCommand Root() => Cli.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null), Cli.Verbs);

    /// <summary>Every (verb, option) whose value is a number.</summary>
    public static TheoryData<string, string> NumericOptions()
    {
        var data = new TheoryData<string, string>();
        foreach (var verb in Root().Subcommands)
        {
            foreach (var option in verb.Options.Where(static o => IsNumeric(o.ValueType)))
                data.Add(verb.Name, option.Name);
        }
        return data;
    }

    private static bool IsNumeric(Type type) => NumericTypes.Contains(Nullable.GetUnderlyingType(type) ?? type);

    [Fact]
    public void EveryNumericOption_IsACommonNumberOption()
    {
        var numeric = Root().Subcommands.SelectMany(static verb => verb.Options.Where(static o => IsNumeric(o.ValueType)).Select(o => (verb, o))).ToArray();
        Assert.True(numeric.Length >= 11, $"only {numeric.Length} numeric options found");
        foreach (var (verb, option) in numeric)
            Assert.True(option is Option<ulong?> { CustomParser: not null }, $"{verb.Name} {option.Name} is {option.ValueType.Name}, not a CommonOptions.Number");
    }

    [Theory]
    [MemberData(nameof(NumericOptions))]
    public void BadNumber_OneLine_NamesTheOption_NoTypeNames(string verb, string option)
    {
        var args = new List<string> { verb, option, "x" };
        if (verb == "call" && option != "--control")
            args.AddRange(["--control", "0x46"]);
        var run = CliRunner.UsageError([.. args]);
        Assert.Contains(option, run.Stderr);
        Assert.Contains("'x' is not a number", run.Stderr);
        Assert.DoesNotContain("System.", run.Stderr);
        Assert.DoesNotContain("expected type", run.Stderr);
    }

    [Theory]
    [MemberData(nameof(NumericOptions))]
    public void OutOfRange_OneLine_NoTypeNames(string verb, string option)
    {
        var args = new List<string> { verb, option, "0x1_0000_0000_0000_0000" };
        if (verb == "call" && option != "--control")
            args.AddRange(["--control", "0x46"]);
        var run = CliRunner.UsageError([.. args]);
        Assert.Contains("out of range", run.Stderr);
        Assert.DoesNotContain("System.", run.Stderr);
    }

    [Fact]
    public void Simulate_TakesHexAndUnderscores_InEveryNumber()
    {
        using var json = CliRunner.Ok("simulate", "--topology", "flat", "--vps", "0x2", "--seed", "0x1_0", "--packets", "1_6",
            "--packet-size", "0x40", "--heartbeats", "0x2", "--json").Json();
        var root = json.RootElement;
        JsonAssert.Number(root, "vps", 2);
        JsonAssert.Number(root, "seed", 16);
        JsonAssert.Number(root, "heartbeats", 2);
        JsonAssert.Number(root.GetProperty("echo"), "packets", 16);
        JsonAssert.Number(root.GetProperty("echo"), "packetSize", 64);
    }

    [Fact]
    public void Simulate_L2Guests_InHex()
    {
        using var json = CliRunner.Ok("simulate", "--l2-guests", "0x2", "--packets", "0x4", "--json").Json();
        Assert.Equal(2, json.RootElement.GetProperty("children").GetArrayLength());
    }

    [Fact]
    public void Simulate_Vps_AboveInt_IsOneLine()
    {
        var run = CliRunner.UsageError("simulate", "--vps", "99_999_999_999");
        Assert.Contains("--vps", run.Stderr);
    }

    [Theory]
    [InlineData("0x5_C", "--in-offset", "0x4", 4)]      // PostMessage input at an unaligned GPA: INVALID_ALIGNMENT (hyperv-abi.md §6)
    [InlineData("0x5_C", "--rdx", "0x1_0001", 4)]       // the same GPA given directly
    [InlineData("0x4_6", "--r8", "0x3", 4)]             // GetPartitionId's 8-byte output at an unaligned GPA
    [InlineData("0x4_6", "--privileges", "0x0", 6)]     // no privilege at all: ACCESS_DENIED (§6)
    public void Call_TakesHexAndUnderscores(string control, string option, string value, int status)
    {
        // 0x5_C is HvCallPostMessage (0x5C, §8), 0x4_6 HvCallGetPartitionId (0x46, §4).
        using var json = CliRunner.Ok("call", "--control", control, "--in", "00", option, value, "--json").Json();
        JsonAssert.Number(json.RootElement, "status", (ulong)status);
    }
}
