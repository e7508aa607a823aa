using System.Linq;
using HvCall.Abi;
using HvCall.Tracing.Kvm;
using Xunit;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>Pairing kvm_hv_hypercall with kvm_hv_hypercall_done per task (trace-formats.md §3).</summary>
public sealed class PairingTests
{
    private static string Call(string comm, int pid, int cpu, string time, string code, string fast = "fast", int repCount = 0) =>
        Sheet.Raw(comm, pid, cpu, ".....", time, $"kvm_hv_hypercall: code {code} {fast} var_cnt 0x0 rep_cnt 0x{repCount:x} idx 0x0 in 0x0 out 0x0");

    private static string Done(string comm, int pid, int cpu, string time, string result) =>
        Sheet.Raw(comm, pid, cpu, ".....", time, $"kvm_hv_hypercall_done: result {result}");

    [Fact]
    public void The_sheet_pair_is_one_completed_call_of_four_microseconds()
    {
        var sink = Collect.Read(Collect.Join(Sheet.ReportCall, Sheet.ReportDone));
        var call = Assert.Single(sink.Calls);
        Assert.Equal(KvmCallOutcome.Completed, call.Outcome);
        Assert.Equal("HvCallFlushVirtualAddressList", call.CatalogName);
        Assert.True(call.IsFast);
        Assert.Equal(1, call.RepCount);
        Assert.Equal(HvStatus.Success, call.Status);
        Assert.Equal(1, call.RepsCompleted);
        Assert.True(call.TryGetLatency(out var latency, out var clock));
        Assert.Equal(4_000, latency);
        Assert.Equal(KvmClock.Microseconds, clock);
        // The call is reported just before the _done line's record.
        Assert.Equal(["R1", "CCompleted", "R2"], sink.Order);
    }

    [Fact]
    public void Interleaved_tasks_pair_by_pid_even_when_a_task_moves_to_another_cpu()
    {
        var log = Collect.Join(
            Call("CPU 0/KVM", 100, 0, "10.000001", "0x5c", "slow"),
            Call("CPU 1/KVM", 101, 1, "10.000002", "0x2", "fast", 3),
            Done("CPU 1/KVM", 101, 1, "10.000005", "0x300000000"),
            Done("CPU 0/KVM", 100, 3, "10.000050", "0x12"));   // task 100 re-entered on CPU 3
        var calls = Collect.Read(log).Calls;
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal(KvmCallOutcome.Completed, c.Outcome));
        Assert.Equal(0x2, calls[0].Code.Value);
        Assert.Equal(3, calls[0].RepsCompleted);
        Assert.Equal(0x5C, calls[1].Code.Value);
        Assert.Equal(HvStatus.InvalidConnectionId, calls[1].Status);
        Assert.True(calls[1].TryGetLatency(out var latency, out _));
        Assert.Equal(49_000, latency);
    }

    [Fact]
    public void Same_comm_different_pids_are_different_tasks()
    {
        var log = Collect.Join(
            Call("CPU 0/KVM", 100, 0, "1.000001", "0x5c", "slow"),
            Call("CPU 0/KVM", 200, 0, "1.000002", "0x8", "fast"),
            Done("CPU 0/KVM", 200, 0, "1.000003", "0x0"),
            Done("CPU 0/KVM", 100, 0, "1.000009", "0x0"));
        var calls = Collect.Read(log).Calls;
        Assert.Equal([0x8, 0x5C], calls.Select(c => (int)c.Code.Value));
        Assert.All(calls, c => Assert.Equal(KvmCallOutcome.Completed, c.Outcome));
    }

    [Fact]
    public void Without_pid_the_comm_identifies_the_task()
    {
        // perf script -F comm,time,event: no tid, no CPU.
        var log = Collect.Join(
            "       CPU 0/KVM 5.000001: kvm:kvm_hv_hypercall: code 0x5c slow var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x1000 out 0x0",
            "       CPU 1/KVM 5.000002: kvm:kvm_hv_hypercall: code 0x5d fast var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x2001 out 0x0",
            "       CPU 0/KVM 5.000004: kvm:kvm_hv_hypercall_done: result 0x0",
            "       CPU 1/KVM 5.000007: kvm:kvm_hv_hypercall_done: result 0x11");
        var calls = Collect.Read(log).Calls;
        Assert.Equal(0x5C, calls[0].Code.Value);
        Assert.Equal(HvStatus.Success, calls[0].Status);
        Assert.Equal(0x5D, calls[1].Code.Value);
        Assert.Equal(HvStatus.InvalidPortId, calls[1].Status);
    }

    [Fact]
    public void Cpu_column_only_when_nothing_else_identifies_the_stream()
    {
        // perf script -F cpu,time,event.
        var log = Collect.Join(
            "[000] 5.000001: kvm:kvm_hv_hypercall: code 0x5c slow var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x1000 out 0x0",
            "[001] 5.000002: kvm:kvm_hv_hypercall: code 0x8 fast var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x0 out 0x0",
            "[001] 5.000003: kvm:kvm_hv_hypercall_done: result 0x0",
            "[000] 5.000009: kvm:kvm_hv_hypercall_done: result 0x12");
        var calls = Collect.Read(log).Calls;
        Assert.Equal([0x8, 0x5C], calls.Select(c => (int)c.Code.Value));
        Assert.Equal(HvStatus.InvalidConnectionId, calls[1].Status);
    }

    [Fact]
    public void Missing_done_before_514_closes_each_call_at_the_next()
    {
        // Kernels < 5.14 have no _done: every call ends without one.
        var log = Collect.Join(
            Sheet.RawOld,
            Sheet.Raw("CPU 1/KVM", 20517, 3, "....", "73012.004300", "kvm_hv_hypercall: code 0x5c slow cnt 0x0 idx 0x0 in 0x1a2b000 out 0x0", pidWidth: 5));
        var sink = Collect.Read(log);
        Assert.Equal([KvmCallOutcome.NoDone, KvmCallOutcome.NoDoneAtEnd], sink.Calls.Select(c => c.Outcome));
        Assert.Equal(["R1", "CNoDone", "R2", "CNoDoneAtEnd"], sink.Order);
        Assert.False(sink.Calls[0].TryGetLatency(out _, out _));
    }

    [Fact]
    public void Late_done_after_userspace_work_and_other_tasks()
    {
        // 0x5C forwarded to the VMM (KVM_EXIT_HYPERV): other events and another task's calls come in between.
        var log = Collect.Join(
            Call("CPU 0/KVM", 100, 0, "2.000000", "0x5c", "slow"),
            Sheet.Raw("CPU 0/KVM", 100, 0, ".....", "2.000001", "kvm_userspace_exit: reason KVM_EXIT_HYPERV (27)"),
            Call("CPU 1/KVM", 101, 1, "2.000002", "0x3", "fast", 1),
            Sheet.Raw("CPU 1/KVM", 101, 1, ".....", "2.000003", "kvm_hv_flush_tlb: processor_mask 0x1 address_space 0x0 flags 0x0 "),
            Done("CPU 1/KVM", 101, 1, "2.000004", "0x100000000"),
            Sheet.Raw("qemu-system-x86", 99, 1, ".....", "2.000100", "sched_switch: prev_comm=qemu"),
            Done("CPU 0/KVM", 100, 1, "2.000250", "0x0"));
        var calls = Collect.Read(log).Calls;
        Assert.Equal(2, calls.Count);
        Assert.Equal(0x3, calls[0].Code.Value);
        Assert.Equal(0x5C, calls[1].Code.Value);
        Assert.True(calls[1].TryGetLatency(out var latency, out _));
        Assert.Equal(250_000, latency);
    }

    [Fact]
    public void A_done_before_any_call_of_its_task_is_a_done_without_call()
    {
        var sink = Collect.Read(Collect.Join(Sheet.ReportDone, Sheet.ReportCall));
        Assert.Equal([KvmCallOutcome.DoneWithoutCall, KvmCallOutcome.NoDoneAtEnd], sink.Calls.Select(c => c.Outcome));
        Assert.Equal(["CDoneWithoutCall", "R1", "R2", "CNoDoneAtEnd"], sink.Order);
        Assert.False(sink.Calls[0].HasCall);
        Assert.True(sink.Calls[0].HasDone);
    }

    [Fact]
    public void Perf_and_payload_only_lines_pair_too()
    {
        Assert.Equal(KvmCallOutcome.Completed, Assert.Single(Collect.Read(Collect.Join(Sheet.PerfCall, Sheet.PerfDone)).Calls).Outcome);
        var payloadOnly = Collect.Read(Collect.Join(Sheet.PostMessage, Sheet.DoneZero)).Calls;
        Assert.Equal(KvmCallOutcome.Completed, Assert.Single(payloadOnly).Outcome);
        Assert.False(payloadOnly[0].TryGetLatency(out _, out _)); // no time stamps
    }

    [Fact]
    public void Unknown_codes_have_no_catalog_name()
    {
        var calls = Collect.Read(Collect.Join(
            "kvm_hv_hypercall: code 0xbeef slow var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x0 out 0x0",
            "kvm_hv_hypercall_done: result 0x2")).Calls;
        Assert.Null(calls[0].CatalogName);
        Assert.Equal(HvStatus.InvalidHypercallCode, calls[0].Status);
    }

    [Fact]
    public void A_synic_write_and_its_kvm_msr_line_are_one_access()
    {
        var sink = Collect.Read(Collect.Join(
            Sheet.Raw("CPU 1/KVM", 20517, 3, ".....", "1.000001", Sheet.SynicSetMsr),
            Sheet.Raw("CPU 1/KVM", 20517, 3, ".....", "1.000002", Sheet.MsrWrite),
            Sheet.Raw("CPU 1/KVM", 20517, 3, ".....", "1.000003", Sheet.MsrWrite)));
        Assert.True(sink.Records[1].Has(KvmRecordFlags.SameAccessAsSynicWrite));
        Assert.False(sink.Records[2].Has(KvmRecordFlags.SameAccessAsSynicWrite));
    }
}
