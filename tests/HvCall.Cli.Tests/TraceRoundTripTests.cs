using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>
/// A simulated run written as a KVM log (<c>simulate --trace-out</c>) and read back by <c>hvcall trace</c>: the same
/// per-code counts and statuses as the run's own JSON (issue 10's "done when"), and the log as a Perfetto timeline
/// (<c>trace --perfetto</c>, trace-formats.md §5).
/// </summary>
public sealed class TraceRoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hvcall-roundtrip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("nested", "2")]
    [InlineData("flat", "1")]
    public void A_simulated_run_read_back_from_its_kvm_log_has_the_runs_per_code_counts_and_statuses(string topology, string vps)
    {
        var log = Path.Combine(_dir, $"{topology}.log");
        var run = CliRunner.Ok("simulate", "--topology", topology, "--vps", vps, "--packets", "64", "--json", "--trace-out", log).Stdout;
        // The run's calls, one per execution of the instruction (a KVM log has a kvm_hv_hypercall per execution).
        var calls = JsonDocument.Parse(run).RootElement.GetProperty("hypercalls").EnumerateArray().ToList();
        var expectedCounts = calls.GroupBy(c => c.GetProperty("code").GetInt32())
            .ToDictionary(g => g.Key, g => (long)g.Sum(c => c.GetProperty("executions").GetInt32()));
        var expectedStatuses = calls.GroupBy(c => (c.GetProperty("code").GetInt32(), c.GetProperty("status").GetInt32()))
            .ToDictionary(g => g.Key, g => (long)g.Count());

        using var summary = CliRunner.Ok("trace", log, "--json").Json();
        var codes = summary.RootElement.GetProperty("codes").EnumerateArray().ToList();
        Assert.Equal(expectedCounts.OrderBy(p => p.Key), codes.ToDictionary(c => c.GetProperty("code").GetInt32(), c => c.GetProperty("calls").GetInt64()).OrderBy(p => p.Key));
        var statuses = codes.SelectMany(c => c.GetProperty("statuses").EnumerateArray()
            .Select(s => ((c.GetProperty("code").GetInt32(), s.GetProperty("status").GetInt32()), s.GetProperty("count").GetInt64())));
        Assert.Equal(expectedStatuses.OrderBy(p => p.Key), statuses.OrderBy(p => p.Item1).Select(p => new System.Collections.Generic.KeyValuePair<(int, int), long>(p.Item1, p.Item2)));
        Assert.All(codes, c => Assert.Equal(0, c.GetProperty("withoutDone").GetInt64()));
        Assert.Equal(0, summary.RootElement.GetProperty("unparsed").EnumerateObject().Sum(p => p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetInt64() : 0));
    }

    [Fact]
    public void A_kvm_log_becomes_a_timeline_with_a_named_thread_per_task_and_a_slice_per_paired_call()
    {
        var log = Path.Combine(_dir, "run.log");
        var timeline = Path.Combine(_dir, "run.json");
        CliRunner.Ok("simulate", "--packets", "16", "--trace-out", log);
        var paired = File.ReadLines(log).Count(l => l.Contains(": kvm_hv_hypercall_done: ", StringComparison.Ordinal));

        var said = CliRunner.Ok("trace", log, "--perfetto", timeline).Stdout;
        Assert.Contains($"{paired} hypercall slices", said, StringComparison.Ordinal);

        using var document = JsonDocument.Parse(File.ReadAllBytes(timeline));
        var events = document.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        var slices = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        Assert.Equal(paired, slices.Count);
        Assert.All(slices, s => Assert.True(s.TryGetProperty("dur", out _)));
        var named = events.Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name")
            .ToDictionary(e => e.GetProperty("tid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString());
        // Every slice's thread is named after its task as the log prints it: "CPU n/KVM-<pid>".
        Assert.All(slices, s => Assert.Matches(@"^CPU \d+/KVM-" + s.GetProperty("tid").GetInt32() + "$", named[s.GetProperty("tid").GetInt32()]));
    }

    [Fact]
    public void Perfetto_output_that_cannot_be_written_is_one_line_and_exit_2()
    {
        var log = Path.Combine(_dir, "run.log");
        CliRunner.Ok("simulate", "--packets", "4", "--trace-out", log);
        CliRunner.UsageError("trace", log, "--perfetto", Path.Combine(_dir, "missing", "dir", "out.json"));
    }
}
