using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using HvCall.Cli.Commands;
using HvCall.Cli.Infrastructure;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>
/// <c>hvcall trace</c> on small logs built from the lines of trace-formats.md (the sheet's synthesized §1.2 pair, its §2
/// payloads); every expected figure is counted from the log by hand.
/// </summary>
public sealed class TraceCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hvcall-trace-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The sheet's trace-cmd report pair (§1.2), a SynIC write seen twice (§2), a PostMessage with no _done, a broken line.</summary>
    private static readonly string Log = string.Join("\n",
        "# tracer: nop",
        "       CPU 1/KVM-20517 [003] ..... 73012.004211: kvm_hv_hypercall:     code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2",
        "       CPU 1/KVM-20517 [003] ..... 73012.004215: kvm_hv_hypercall_done: result 0x100000000",
        "       CPU 1/KVM-20517 [003] ..... 73012.004230: kvm_hv_synic_set_msr: vcpu_id 1 msr 0x40000083 data 0x1a2b3001 host 0",
        "       CPU 1/KVM-20517 [003] ..... 73012.004231: kvm_msr:              msr_write 40000083 = 0x1a2b3001",
        "       CPU 0/KVM-20516 [001] ..... 73012.004300: kvm_hv_hypercall:     code 0x5c slow var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x1a2b000 out 0x0",
        "       CPU 0/KVM-20516 [001] ..... 73012.004301: sched_switch:         prev_comm=CPU 0/KVM",
        "this line is not a trace line") + "\n";

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Summary_text()
    {
        var run = CliRunner.Ok("trace", Write("log.txt", Log));
        Assert.Matches(@"(?m)^hypercalls\s+2: 1 with _done, 1 without \(1 open at the end\), 0 _done without a call$", run.Stdout);
        Assert.Matches(@"(?m)^0x0003  HvCallFlushVirtualAddressList\s+1\s+1\s+0\s+0\s+1\s+4\s+4\s+4$", run.Stdout);
        Assert.Matches(@"(?m)^0x005C  HvCallPostMessage\s+1\s+0\s+1\s+1\s+0\s+-\s+-\s+-$", run.Stdout);
        Assert.Matches(@"(?m)^0x0003  statuses: HV_STATUS_SUCCESS 1; rep counts: 1: 1$", run.Stdout);
        Assert.Matches(@"(?m)^0x40000083  SIMP\s+0\s+1\s+0\s+0$", run.Stdout);
        Assert.Matches(@"(?m)^sched_switch \(other\)\s+1$", run.Stdout);
        Assert.Matches(@"(?m)^unparsed lines: noEvent 1$", run.Stdout);
        Assert.Contains("in us", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_json()
    {
        using var json = CliRunner.Ok("trace", Write("log.txt", Log), "--json").Json();
        var root = json.RootElement;
        JsonAssert.Number(root, "lines", 8);
        JsonAssert.Bool(root, "endedInsideLine", false);
        JsonAssert.String(root, "latencyUnit", "us");
        var calls = root.GetProperty("hypercalls");
        JsonAssert.Number(calls, "calls", 2);
        JsonAssert.Number(calls, "completed", 1);
        JsonAssert.Number(calls, "withoutDoneAtEnd", 1);

        var flush = root.GetProperty("codes")[0];
        JsonAssert.Number(flush, "code", 3);
        JsonAssert.String(flush, "name", "HvCallFlushVirtualAddressList");
        JsonAssert.Bool(flush, "known", true);
        JsonAssert.Number(flush, "fast", 1);
        var status = Assert.Single(flush.GetProperty("statuses").EnumerateArray());
        JsonAssert.String(status, "statusName", "HV_STATUS_SUCCESS");
        JsonAssert.Number(status, "count", 1);
        var reps = Assert.Single(flush.GetProperty("repCounts").EnumerateArray());
        JsonAssert.Number(reps, "min", 1);
        JsonAssert.Number(reps, "max", 1);
        var latency = flush.GetProperty("latency");
        JsonAssert.Number(latency, "min", 4);
        JsonAssert.Number(latency, "p50", 4);
        JsonAssert.Number(latency, "max", 4);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("codes")[1].GetProperty("latency").ValueKind);

        var simp = Assert.Single(root.GetProperty("msrs").EnumerateArray());
        JsonAssert.Number(simp, "msr", 0x40000083);
        JsonAssert.String(simp, "name", "SIMP");
        JsonAssert.Number(simp, "guestWrites", 1);
        JsonAssert.Number(simp, "reads", 0);
        JsonAssert.Number(root.GetProperty("unparsed"), "noEvent", 1);
        JsonAssert.Number(root.GetProperty("otherEvents").GetProperty("byName"), "sched_switch", 1);
        JsonAssert.Number(root.GetProperty("events"), "kvm_msr", 1);
    }

    [Fact]
    public void Events_text_pairs_the_done_with_its_call()
    {
        var lines = CliRunner.Ok("trace", Write("log.txt", Log), "--events").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("73012.004211 CPU 1/KVM-20517 [003] kvm_hv_hypercall code=0x0003 HvCallFlushVirtualAddressList fast rep_count=1 rep_start=0 var_cnt=0 in=0x0 out=0x2", lines[0]);
        Assert.Equal("73012.004215 CPU 1/KVM-20517 [003] kvm_hv_hypercall_done result=0x100000000 HV_STATUS_SUCCESS reps_completed=1 call=0x0003 HvCallFlushVirtualAddressList of line 2 latency=4us", lines[1]);
        Assert.Contains("kvm_msr write msr=0x40000083 SIMP data=0x1a2b3001 (the kvm_hv_synic_set_msr write above)", lines[3], StringComparison.Ordinal);
        Assert.Equal("73012.004300 CPU 0/KVM-20516 [001] hypercall_without_done code=0x005C HvCallPostMessage of line 6: the log ended first", lines[^1]);
        Assert.Equal(7, lines.Length); // 6 events + the call without _done; the header and the broken line print nothing
    }

    [Fact]
    public void Events_json_lines()
    {
        var lines = CliRunner.Ok("trace", Write("log.txt", Log), "--events", "--json").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var docs = lines.Select(l => JsonDocument.Parse(l)).ToArray();
        try
        {
            var done = docs[1].RootElement;
            JsonAssert.String(done, "event", "kvm_hv_hypercall_done");
            JsonAssert.Number(done, "result", 0x1_0000_0000);
            JsonAssert.String(done, "statusName", "HV_STATUS_SUCCESS");
            JsonAssert.Number(done, "latencyNs", 4000);
            JsonAssert.Number(done.GetProperty("call"), "code", 3);
            JsonAssert.String(done, "comm", "CPU 1/KVM");
            JsonAssert.Number(done, "pid", 20517);
            JsonAssert.Number(done, "cpu", 3);
            JsonAssert.Number(done, "time", 73012_004215_000);
            JsonAssert.String(docs[5].RootElement, "event", "sched_switch");
            JsonAssert.String(docs[^1].RootElement, "event", "hypercall_without_done");
        }
        finally
        {
            foreach (var doc in docs)
                doc.Dispose();
        }
    }

    [Fact]
    public void A_truncated_file_is_read_and_said_so()
    {
        var path = Write("cut.txt", Log + "       CPU 1/KVM-20517 [003] ..... 73012.0043");
        using var json = CliRunner.Ok("trace", path, "--json").Json();
        JsonAssert.Bool(json.RootElement, "endedInsideLine", true);
        JsonAssert.Number(json.RootElement.GetProperty("unparsed"), "truncated", 1);
        Assert.Contains("ends inside a line", CliRunner.Ok("trace", path).Stdout, StringComparison.Ordinal);

        var events = CliRunner.Run("trace", path, "--events");
        Assert.Equal(0, events.ExitCode);
        Assert.StartsWith("hvcall: warning: ", Assert.Single(events.StderrLines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("--events")]
    public void Empty_binary_and_non_trace_input_exit_2(string mode)
    {
        var extra = mode.Length == 0 ? Array.Empty<string>() : [mode];
        var empty = CliRunner.UsageError(["trace", Write("empty.txt", ""), .. extra]);
        Assert.Contains("is empty", empty.Stderr, StringComparison.Ordinal);

        var binaryPath = Path.Combine(_dir, "trace.dat");
        var bytes = new byte[8192];
        Encoding.ASCII.GetBytes("\u0017\bDtracing6").CopyTo(bytes, 0);
        File.WriteAllBytes(binaryPath, bytes);
        Assert.Contains("binary data", CliRunner.UsageError(["trace", binaryPath, .. extra]).Stderr, StringComparison.Ordinal);

        var text = CliRunner.UsageError(["trace", Write("notes.txt", "hello\nworld\n"), .. extra]);
        Assert.Contains("none of its 2 line(s)", text.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_errors()
    {
        CliRunner.UsageError("trace", Path.Combine(_dir, "missing.txt"));
        CliRunner.UsageError("trace", Write("log.txt", Log), "--threads", "0");
        CliRunner.UsageError("trace", Write("log.txt", Log), "--bogus");
    }

    [Fact]
    public void Threads_do_not_change_the_summary()
    {
        var path = Write("log.txt", Log);
        var one = CliRunner.Ok("trace", path, "--json", "--threads", "1").Stdout;
        Assert.Equal(one, CliRunner.Ok("trace", path, "--json", "--threads", "4").Stdout);
    }

    [Fact]
    public void Standard_input()
    {
        var (exit, stdout, stderr) = RunWithInput(["trace", "-", "--json"], Log, redirected: true);
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stderr);
        using var json = JsonDocument.Parse(stdout);
        JsonAssert.String(json.RootElement, "input", "-");
        JsonAssert.Number(json.RootElement.GetProperty("hypercalls"), "calls", 2);

        // No FILE: stdin when it is a pipe, a usage error when it is a terminal.
        Assert.Equal(0, RunWithInput(["trace"], Log, redirected: true).Exit);
        var terminal = RunWithInput(["trace"], Log, redirected: false);
        Assert.Equal(ExitCodes.Usage, terminal.Exit);
        Assert.StartsWith("hvcall: error: No log to read", terminal.Stderr, StringComparison.Ordinal);
    }

    private static (int Exit, string Stdout, string Stderr) RunWithInput(string[] args, string input, bool redirected)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = Cli.Run(args, stdout, stderr,
            [context => TraceCommand.Create(context, () => new MemoryStream(Encoding.UTF8.GetBytes(input)), () => redirected)]);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
