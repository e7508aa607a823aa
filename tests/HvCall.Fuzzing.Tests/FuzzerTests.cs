using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using Xunit;

namespace HvCall.Fuzzing.Tests;

/// <summary>
/// The dispatcher fuzzer at CI size: every standard configuration (flat x64 and ARM64, nested, and the other L0 host
/// profiles) for 50,000 calls from a fixed seed, 400,000 calls in all, with every invariant checked after every
/// operation (docs/fuzzing.md). A run with findings fails and prints them; the same seed always finds the same.
/// </summary>
public sealed class FuzzerTests(ITestOutputHelper output)
{
    private const long CallsPerConfiguration = 50_000;
    private const ulong Seed = 20_261_101;

    public static TheoryData<string> Configurations() => [.. FuzzConfiguration.Standard.Select(c => c.Name)];

    private static FuzzConfiguration Named(string name) => FuzzConfiguration.Standard.Single(c => c.Name == name);

    private static ConfigurationReport Run(string name, long calls, ulong seed, Sabotage sabotage = Sabotage.None) =>
        Fuzzer.RunConfiguration(new FuzzOptions { Sabotage = sabotage }, Named(name), calls, seed);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Generated_calls_break_no_invariant(string configuration)
    {
        var report = Run(configuration, CallsPerConfiguration, Fuzzer.ConfigurationSeed(Seed, FuzzConfiguration.Standard.IndexOf(Named(configuration))));
        output.WriteLine(new FuzzReport(new FuzzOptions { Seed = Seed }, [report]).Format());

        Assert.True(report.Calls >= CallsPerConfiguration);
        Assert.Empty(report.Findings.Select(f => f.ToString()));
        // Depth: the handlers ran to SUCCESS, not just the dispatcher's early rejects; every catalog code and unknown
        // codes were issued; the memory sweep went round more than once.
        // (PostMessage and SignalEvent are the calls every host profile answers; the Hyper-V test below asks for more.)
        Assert.All([0x5C, 0x5D], code => Assert.True(Successes(report, (ushort)code) > 0, $"no SUCCESS for 0x{code:X4}"));
        Assert.All(HypercallCatalog.All, info => Assert.Contains(report.Outcomes.Keys, k => k.Code == info.Code.Value));
        Assert.Contains(report.Outcomes.Keys, k => !HypercallCatalog.TryGet(new HvCallCode(k.Code), out _));
        Assert.Contains(report.Outcomes.Keys, k => k.Outcome == Outcome.InvalidOpcode);
        Assert.True(report.FullMemoryChecks > 2);
    }

    [Theory]
    [InlineData("flat-x64")]
    [InlineData("flat-arm64")]
    [InlineData("nested-x64")]
    public void Hyper_v_configurations_reach_the_port_and_register_handlers_and_continue_rep_calls(string configuration)
    {
        var report = Run(configuration, 20_000, 7);

        Assert.All([0x02, 0x03, 0x08, 0x0B, 0x46, 0x50, 0x51, 0x95, 0x96, 0x58, 0x5B, 0xC0, 0xC1, 0x8001], code => Assert.True(Successes(report, (ushort)code) > 0, $"no SUCCESS for 0x{code:X4}"));
        Assert.True(report.Executions > report.Calls, "no rep call was continued");
        Assert.Contains(report.Outcomes.Keys, k => k.Code == 0x5C && k.Outcome == (int)HvStatus.InsufficientBuffers || k.Code == 0xC1 && k.Outcome == (int)HvStatus.ObjectInUse);
    }

    [Fact]
    public void The_same_seed_gives_the_same_calls_and_findings_and_another_seed_does_not()
    {
        var first = Run("nested-x64", 5_000, 42).Fingerprint();
        var again = Run("nested-x64", 5_000, 42).Fingerprint();
        var other = Run("nested-x64", 5_000, 43).Fingerprint();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void A_host_sink_writing_guest_memory_is_found()
    {
        var report = Run("flat-x64", 5_000, 3, Sabotage.HostSinkWritesGuestMemory);

        // The first PostMessage that reaches the host port writes the guard page below the guest's input page; the guard
        // comparison after that very call sees it (later writes may be seen by a later call's comparison).
        var finding = report.Findings.First(f => f.Kind == FindingKind.MemoryOutsideOutput);
        Assert.Contains("guard", finding.Detail, System.StringComparison.Ordinal);
        Assert.Equal(HvStatus.Success, finding.Status);
        Assert.Equal(0x5C, (ushort)finding.Control);
    }

    [Fact]
    public void A_host_sink_throwing_is_found_as_an_escaping_exception()
    {
        var report = Run("flat-x64", 5_000, 3, Sabotage.HostSinkThrows);

        var finding = Assert.Single(report.Findings, f => f.Kind == FindingKind.Exception);
        Assert.Contains("InvalidOperationException: sabotage", finding.Detail, System.StringComparison.Ordinal);
        Assert.True(finding.Count > 1);
        Assert.Contains(report.Outcomes.Keys, k => k.Outcome == Outcome.Exception);
    }

    private static long Successes(ConfigurationReport report, ushort code) =>
        report.Outcomes.TryGetValue((code, (int)HvStatus.Success), out var n) ? n : 0;
}
