using System.Linq;
using HvCall.Tracing.Kvm;
using Xunit;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>The prefixes of trace-formats.md §1, each from the sheet's lines or its format strings.</summary>
public sealed class PrefixTests
{
    private const long Time = 73012_004211_000; // 73012.004211 s in ns

    private static void AssertTask(string line, in KvmRecord record, string comm, int pid, int cpu)
    {
        Assert.Equal(comm, Sheet.Comm(line, record));
        Assert.Equal(pid, record.Pid);
        Assert.Equal(cpu, record.Cpu);
    }

    [Fact]
    public void Raw_new_kernel_seven_wide_pid_and_five_flags()
    {
        var r = Sheet.Event(Sheet.RawNew);
        AssertTask(Sheet.RawNew, r, "CPU 1/KVM", 20517, 3);
        Assert.Equal(KvmEventKind.Hypercall, r.Kind);
        Assert.Equal(Time, r.Time);
        Assert.Equal(KvmClock.Microseconds, r.Clock);
        Assert.Equal("kvm_hv_hypercall", Sheet.Name(Sheet.RawNew, r));
        Assert.Equal(20517, r.Task);
    }

    [Fact]
    public void Raw_old_kernel_five_wide_pid_and_four_flags()
    {
        var r = Sheet.Event(Sheet.RawOld);
        AssertTask(Sheet.RawOld, r, "CPU 1/KVM", 20517, 3);
        Assert.Equal(Time, r.Time);
        Assert.True(r.Has(KvmRecordFlags.LegacyCountForm));
    }

    [Theory]
    [InlineData("d..2.")]
    [InlineData(".N..")]
    [InlineData("...1")]
    [InlineData("..s1.")]
    [InlineData("")] // irq-info off: no flags column
    public void Raw_flag_columns(string flags)
    {
        var line = Sheet.Raw("CPU 0/KVM", 4242, 1, flags, "100.000001", "kvm_hv_hypercall_done: result 0x0");
        var r = Sheet.Event(line);
        AssertTask(line, r, "CPU 0/KVM", 4242, 1);
        Assert.Equal(100_000_001_000, r.Time);
        Assert.Equal(KvmEventKind.HypercallDone, r.Kind);
    }

    [Fact]
    public void Raw_tgid_column()
    {
        var line = Sheet.Raw("CPU 1/KVM", 20517, 3, ".....", "73012.004211", "kvm_hv_hypercall_done: result 0x0", tgid: 20511);
        Assert.Contains("(  20511) [003]", line, System.StringComparison.Ordinal);
        var r = Sheet.Event(line);
        AssertTask(line, r, "CPU 1/KVM", 20517, 3);
        Assert.Equal(20511, r.Tgid);
    }

    [Theory]
    [InlineData("qemu-system-x86", 1234)]     // a comm with dashes (qemu-system-x86_64 cut to 15 chars, §1.1)
    [InlineData("my-vm-worker-3", 77)]        // ends with -<digits> itself: split on the last one
    [InlineData("<...>", 20517)]              // comm cache miss
    [InlineData("a b-1 c", 5)]                // spaces and a dash-digit inside
    [InlineData("kworker/0:1", 12)]
    [InlineData("x [12]", 99)]               // a bracketed number inside the comm, not the CPU column
    public void Raw_comms_with_spaces_dashes_and_brackets(string comm, int pid)
    {
        var line = Sheet.Raw(comm, pid, 7, ".....", "5.000010", "kvm_hv_hypercall_done: result 0x0");
        var r = Sheet.Event(line);
        AssertTask(line, r, comm, pid, 7);
    }

    [Fact]
    public void Raw_five_wide_pid_with_a_seven_digit_pid()
    {
        var line = Sheet.Raw("CPU 2/KVM", 1234567, 12, "....", "1.500000", "kvm_hv_hypercall_done: result 0x0", pidWidth: 5);
        var r = Sheet.Event(line);
        AssertTask(line, r, "CPU 2/KVM", 1234567, 12);
    }

    [Fact]
    public void Trace_cmd_report_padded_event_names()
    {
        var call = Sheet.Event(Sheet.ReportCall);
        AssertTask(Sheet.ReportCall, call, "CPU 1/KVM", 20517, 3);
        Assert.Equal(KvmEventKind.Hypercall, call.Kind);
        Assert.Equal(0x3, call.Control.Code.Value);
        var done = Sheet.Event(Sheet.ReportDone);
        Assert.Equal(73012_004215_000, done.Time);
        Assert.Equal(0x1_0000_0000UL, done.Word0);
    }

    [Fact]
    public void Trace_cmd_report_without_flags_column()
    {
        const string line = "       CPU 1/KVM-20517 [003] 73012.004215: kvm_hv_hypercall_done: result 0x100000000";
        var r = Sheet.Event(line);
        AssertTask(line, r, "CPU 1/KVM", 20517, 3);
    }

    [Fact]
    public void Trace_cmd_report_t_gives_nanoseconds()
    {
        // -t: " %9.1d:" — nine decimals.
        const string line = "       CPU 1/KVM-20517 [003] ..... 73012.004211123: kvm_hv_hypercall_done:    result 0x0";
        var r = Sheet.Event(line);
        Assert.Equal(73012_004211_123, r.Time);
        Assert.Equal(KvmClock.Nanoseconds, r.Clock);
    }

    [Fact]
    public void Counter_clock_gives_a_bare_integer()
    {
        // A non-time clock: "%12d:" (trace-cmd) / " %12llu: " (raw).
        const string line = "       CPU 1/KVM-20517 [003] .....    987654321: kvm_hv_hypercall_done: result 0x0";
        var r = Sheet.Event(line);
        Assert.Equal(987654321, r.Time);
        Assert.Equal(KvmClock.Counter, r.Clock);
    }

    [Fact]
    public void Latency_format_prefix()
    {
        // -l: "%8.8s-%-5d %3d" + flags, then the time and event as usual.
        var line = Sheet.LatencyPrefix + " 73012.004211: kvm_hv_hypercall_done: result 0x0";
        var r = Sheet.Event(line);
        AssertTask(line, r, "CPU 1/KV", 20517, 3);
        Assert.Equal(Time, r.Time);
    }

    [Fact]
    public void Perf_script_sys_event_and_tid_column()
    {
        var call = Sheet.Event(Sheet.PerfCall);
        AssertTask(Sheet.PerfCall, call, "CPU 1/KVM", 20517, 3);
        Assert.Equal("kvm_hv_hypercall", Sheet.Name(Sheet.PerfCall, call));
        Assert.Equal(Time, call.Time);
        var done = Sheet.Event(Sheet.PerfDone);
        Assert.Equal(KvmEventKind.HypercallDone, done.Kind);
        Assert.Equal(20517, done.Pid);
    }

    [Fact]
    public void Perf_script_ns()
    {
        const string line = "       CPU 1/KVM   20517 [003] 73012.004211000: kvm:kvm_hv_hypercall_done: result 0x0";
        var r = Sheet.Event(line);
        Assert.Equal(Time, r.Time);
        Assert.Equal(KvmClock.Nanoseconds, r.Clock);
    }

    [Fact]
    public void Perf_script_five_wide_tid()
    {
        const string line = "       CPU 1/KVM 20517 [003] 73012.004211: kvm:kvm_hv_hypercall_done: result 0x0";
        AssertTask(line, Sheet.Event(line), "CPU 1/KVM", 20517, 3);
    }

    [Fact]
    public void Perf_script_F_comm_and_time_only()
    {
        const string line = "       CPU 1/KVM 73012.004211: kvm:kvm_hv_hypercall_done: result 0x0";
        var r = Sheet.Event(line);
        AssertTask(line, r, "CPU 1/KVM", -1, -1);
        Assert.Equal(Time, r.Time);
        Assert.NotEqual(-1, r.Task);
    }

    [Fact]
    public void Perf_script_F_without_time()
    {
        const string line = "       CPU 1/KVM   20517 [003]      kvm:kvm_hv_hypercall_done: result 0x0";
        var r = Sheet.Event(line);
        AssertTask(line, r, "CPU 1/KVM", 20517, 3);
        Assert.Equal(KvmClock.None, r.Clock);
    }

    [Fact]
    public void Perf_script_guest_tags()
    {
        // "[VM:%5d ][VCPU:%03d ]" before the comm (guest samples only).
        const string line = "[VM:  812 ][VCPU:002 ]        CPU 2/KVM   20518 [001] 73012.004211: kvm:kvm_hv_hypercall_done: result 0x0";
        var r = Sheet.Event(line);
        AssertTask(line, r, "CPU 2/KVM", 20518, 1);
        Assert.Equal(2, r.Vcpu);
    }

    [Fact]
    public void Payload_only_with_comm_and_pid()
    {
        const string line = "CPU 1/KVM-20517: kvm_hv_hypercall_done: result 0x0";
        var r = Sheet.Event(line);
        AssertTask(line, r, "CPU 1/KVM", 20517, -1);
        Assert.Equal(KvmClock.None, r.Clock);
    }

    [Theory]
    [InlineData(" kvm_hv_hypercall_done: result 0x0")]
    [InlineData(Sheet.DoneZero)]
    public void Payload_only_without_prefix(string line)
    {
        var r = Sheet.Event(line);
        Assert.Equal(KvmEventKind.HypercallDone, r.Kind);
        Assert.Equal(-1, r.Pid);
        Assert.Equal(-1, r.Cpu);
        Assert.Equal(0, r.CommLength);
    }

    [Theory]
    [InlineData("", KvmLineKind.Blank)]
    [InlineData("   ", KvmLineKind.Blank)]
    [InlineData("\r", KvmLineKind.Blank)]
    [InlineData("# tracer: nop", KvmLineKind.Header)]
    [InlineData("# entries-in-buffer/entries-written: 1024/1024   #P:8", KvmLineKind.Header)]
    [InlineData("#                                _-----=> irqs-off/BH-disabled", KvmLineKind.Header)]
    [InlineData("#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION", KvmLineKind.Header)]
    [InlineData("#              | |         |   |||||     |         |", KvmLineKind.Header)]
    [InlineData("cpus=8", KvmLineKind.Metadata)]
    [InlineData("version = 7", KvmLineKind.Metadata)]
    [InlineData("version = 6", KvmLineKind.Metadata)]
    public void Non_event_lines(string line, KvmLineKind expected)
    {
        Sheet.Parse(line, out var kind);
        Assert.Equal(expected, kind);
    }

    [Fact]
    public void Drop_marker()
    {
        // "CPU:%d [%lld EVENTS DROPPED]"
        var r = Sheet.Parse("CPU:5 [1234 EVENTS DROPPED]", out var kind);
        Assert.Equal(KvmLineKind.DropMarker, kind);
        Assert.Equal(5, r.Cpu);
        Assert.Equal(1234UL, r.Word0);
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("Note: this is not a trace")]
    [InlineData("       CPU 1/KVM-20517 [003] ..... 73012.004211 kvm_hv_hypercall code 0x3")]
    public void Text_that_is_not_a_trace_is_unparsed(string line)
    {
        var r = Sheet.Parse(line, out var kind);
        Assert.Equal(KvmLineKind.Unparsed, kind);
        Assert.Equal(KvmUnparsedReason.NoEvent, r.Reason);
    }

    [Fact]
    public void Control_bytes_are_binary()
    {
        var r = Sheet.Parse("\u0017\u0008Dtracing6\0\0\0", out var kind);
        Assert.Equal(KvmLineKind.Unparsed, kind);
        Assert.Equal(KvmUnparsedReason.Binary, r.Reason);
    }

    [Fact]
    public void A_prefix_with_nothing_after_it_is_prefix_only()
    {
        Sheet.Parse("       CPU 1/KVM-20517 [003] .....", out var kind);
        Assert.Equal(KvmLineKind.PrefixOnly, kind);
    }

    [Fact]
    public void Other_events_are_events_of_kind_other()
    {
        var line = Sheet.Raw("bash", 100, 0, "d..2.", "10.000001", "sched_switch: prev_comm=bash prev_pid=100 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120");
        var r = Sheet.Event(line);
        Assert.Equal(KvmEventKind.Other, r.Kind);
        Assert.Equal("sched_switch", Sheet.Name(line, r));
    }

    [Fact]
    public void Crlf_line_endings()
    {
        var r = Sheet.Event(Sheet.RawNew + "\r");
        Assert.Equal(2UL, r.Word2);
    }

    [Fact]
    public void Pid_comm_and_cpu_make_distinct_task_keys()
    {
        var byPid = Sheet.Event(Sheet.RawNew).Task;
        var byComm = Sheet.Event("       CPU 1/KVM 73012.004211: kvm:kvm_hv_hypercall_done: result 0x0").Task;
        var byCpu = Sheet.Event("[003] 73012.004211: kvm:kvm_hv_hypercall_done: result 0x0").Task;
        var none = Sheet.Event(Sheet.DoneZero).Task;
        Assert.Equal(4, new[] { byPid, byComm, byCpu, none }.Distinct().Count());
        Assert.Equal(byComm, Sheet.Event("CPU 1/KVM 73012.004299: kvm:kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2").Task);
    }
}
