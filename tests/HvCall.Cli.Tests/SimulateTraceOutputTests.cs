using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>
/// <c>hvcall simulate --trace-out FILE --trace-format kvm --perfetto FILE</c>: the run written as a raw-ftrace KVM log
/// (trace-formats.md §1.1, §2) and as a Chrome trace-event timeline (§5).
/// </summary>
public sealed class SimulateTraceOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hvcall-trace-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The 5.18+ kvm_hv_hypercall payload: "code 0x%x %s var_cnt 0x%x rep_cnt 0x%x idx 0x%x in 0x%llx out 0x%llx".
    private static readonly Regex Hypercall = new(@"^ *\S.*-(\d+) +\[(\d{3})\] \.{5} +\d+\.\d{6}: kvm_hv_hypercall: code 0x([0-9a-f]+) (fast|slow) var_cnt 0x[0-9a-f]+ rep_cnt 0x[0-9a-f]+ idx 0x[0-9a-f]+ in 0x[0-9a-f]+ out 0x[0-9a-f]+$");
    private static readonly Regex Done = new(@": kvm_hv_hypercall_done: result 0x([0-9a-f]+)$");

    [Fact]
    public void The_kvm_log_has_one_hypercall_line_and_one_done_per_execution_of_the_run_json()
    {
        var log = Path.Combine(_dir, "run.log");
        var json = CliRunner.Ok("simulate", "--packets", "50", "--json", "--trace-out", log, "--trace-format", "kvm").Stdout;
        var calls = JsonDocument.Parse(json).RootElement.GetProperty("hypercalls").EnumerateArray().ToList();
        var expected = calls.GroupBy(c => c.GetProperty("code").GetInt32()).ToDictionary(g => g.Key, g => g.Sum(c => c.GetProperty("executions").GetInt32()));

        var lines = File.ReadAllLines(log);
        Assert.Equal("# tracer: nop", lines[0]);
        var hypercalls = lines.Select(l => Hypercall.Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(lines.Count(l => l.Contains(": kvm_hv_hypercall: ", StringComparison.Ordinal)), hypercalls.Count); // every one well-formed
        var actual = hypercalls.GroupBy(m => Convert.ToInt32(m.Groups[3].Value, 16)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
        Assert.Equal(hypercalls.Count, lines.Count(l => Done.IsMatch(l)));
        // The nested root's PostMessage (0x5c) is L0's call from the L1 VM: code shows bits 15:0, never 0x8000005c.
        Assert.DoesNotContain(lines, l => l.Contains("code 0x8000", StringComparison.Ordinal));
    }

    [Fact]
    public void The_perfetto_file_is_a_trace_event_object_with_slices_and_flows()
    {
        var timeline = Path.Combine(_dir, "run.json");
        CliRunner.Ok("simulate", "--packets", "10", "--perfetto", timeline);
        using var document = JsonDocument.Parse(File.ReadAllBytes(timeline));
        var events = document.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("name").GetString() == "HvCallPostMessage");
        Assert.Contains(events, e => e.TryGetProperty("flow_out", out _));
        Assert.Contains(events, e => e.TryGetProperty("flow_in", out _));
    }

    [Fact]
    public void An_unwritable_file_or_an_unknown_format_is_one_line_and_exit_2()
    {
        var missing = Path.Combine(_dir, "no", "such", "dir", "run.log");
        Assert.Contains("cannot write", CliRunner.UsageError("simulate", "--trace-out", missing).Stderr, StringComparison.Ordinal);
        CliRunner.UsageError("simulate", "--trace-out", Path.Combine(_dir, "x.log"), "--trace-format", "perf");
    }
}
