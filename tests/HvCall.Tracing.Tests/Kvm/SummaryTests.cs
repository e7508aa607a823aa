using System.IO;
using System.Linq;
using System.Text;
using HvCall.Abi;
using HvCall.Tracing.Kvm;
using Xunit;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>The summary's counts on a small log composed by hand; every expected figure is counted from the lines.</summary>
public sealed class SummaryTests
{
    private static string R(string comm, int pid, int cpu, string time, string payload) => Sheet.Raw(comm, pid, cpu, ".....", time, payload);

    internal static readonly string Composed = Collect.Join(
        "# tracer: nop",
        "# entries-in-buffer/entries-written: 25/25   #P:4",
        "",
        R("CPU 1/KVM", 20517, 3, "73012.004211", "kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2"),
        R("CPU 1/KVM", 20517, 3, "73012.004212", "kvm_hv_flush_tlb: processor_mask 0xf address_space 0x7c1e000 flags 0x0 "),
        R("CPU 1/KVM", 20517, 3, "73012.004215", "kvm_hv_hypercall_done: result 0x100000000"),
        R("CPU 0/KVM", 20516, 1, "73012.005000", "kvm_hv_hypercall: code 0x5c slow var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x1a2b000 out 0x0"),
        R("CPU 0/KVM", 20516, 1, "73012.005100", "kvm_hv_hypercall_done: result 0x0"),
        R("CPU 0/KVM", 20516, 1, "73012.006000", "kvm_hv_hypercall: code 0x5c slow var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x1a2b000 out 0x0"),
        R("CPU 0/KVM", 20516, 2, "73012.006010", "kvm_hv_hypercall_done: result 0x12"),
        R("CPU 1/KVM", 20517, 3, "73012.007000", "kvm_hv_hypercall: code 0x14 slow var_cnt 0x1 rep_cnt 0x5 idx 0x0 in 0x3000 out 0x0"),
        R("CPU 1/KVM", 20517, 3, "73012.007100", "kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x3 idx 0x1 in 0x0 out 0x2"),
        R("CPU 1/KVM", 20517, 3, "73012.007104", "kvm_hv_hypercall_done: result 0x300000000"),
        "CPU 0/KVM-20516: kvm_hv_synic_set_msr: vcpu_id 0 msr 0x40000083 data 0x1a2b3001 host 0",
        "CPU 0/KVM-20516: kvm_msr: msr_write 40000083 = 0x1a2b3001",
        "CPU 0/KVM-20516: kvm_msr: msr_read 40000083 = 0x1a2b3001",
        R("qemu-system-x86", 20511, 0, "73012.008000", "kvm_hv_synic_set_msr: vcpu_id 0 msr 0x40000090 data 0x10000 host 1"),
        R("CPU 0/KVM", 20516, 1, "73012.008100", "kvm_msr: msr_write 40000084 = 0x0"),
        R("CPU 0/KVM", 20516, 1, "73012.008200", "kvm_msr: msr_read 10 = 0x1234"),
        R("CPU 0/KVM", 20516, 1, "73012.008300", Sheet.ExitRaw),
        R("CPU 0/KVM", 20516, 1, "73012.008301", Sheet.EntryRaw),
        R("CPU 0/KVM", 20516, 1, "73012.008400", "kvm_hv_synic_set_irq: vcpu_id 0 sint 2 vector 243 ret 1"),
        R("bash", 900, 2, "73012.008500", "sched_switch: prev_comm=bash prev_pid=900"),
        R("bash", 900, 2, "73012.008501", "sched_switch: prev_comm=bash prev_pid=900"),
        R("CPU 0/KVM", 20516, 1, "73012.008502", "kvm_hv_timer_state: vcpu_id 0 hv_timer 1"),
        "hello world",
        "kvm_hv_hypercall: code 0x3 zzz",
        "CPU:1 [5 EVENTS DROPPED]",
        "CPU 3/KVM-20519: kvm_hv_hypercall_done: result 0x0",
        R("CPU 2/KVM", 20518, 0, "73012.009000", "kvm_hv_hypercall: code 0x8 fast var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x0 out 0x0"));

    private static KvmSummary Summary() => KvmTraceSummarizer.Summarize(new MemoryStream(Encoding.UTF8.GetBytes(Composed)));

    [Fact]
    public void Lines_by_kind_and_unparsed_by_reason()
    {
        var s = Summary();
        Assert.Equal(30, s.Lines);
        Assert.Equal(2, s.LinesOf(KvmLineKind.Header));
        Assert.Equal(1, s.LinesOf(KvmLineKind.Blank));
        Assert.Equal(1, s.LinesOf(KvmLineKind.DropMarker));
        Assert.Equal(24, s.LinesOf(KvmLineKind.Event));
        Assert.Equal(2, s.LinesOf(KvmLineKind.Unparsed));
        Assert.Equal(1, s.Unparsed(KvmUnparsedReason.NoEvent));
        Assert.Equal(1, s.Unparsed(KvmUnparsedReason.BadPayload));
        Assert.Equal(5, s.DroppedEvents);
        Assert.False(s.EndedInsideLine);
        Assert.True(s.AnythingRead);
    }

    [Fact]
    public void Calls_and_their_outcomes()
    {
        var s = Summary();
        Assert.Equal(6, s.Hypercalls);
        Assert.Equal(4, s.Completed);
        Assert.Equal(1, s.WithoutDone);
        Assert.Equal(1, s.WithoutDoneAtEnd);
        Assert.Equal(1, s.DonesWithoutCall);
        Assert.Equal([0x3, 0x8, 0x14, 0x5C], s.Codes().Select(c => (int)c.Code.Value));
        Assert.Equal(KvmClock.Microseconds, s.LatencyClock);
    }

    [Fact]
    public void Per_code_figures()
    {
        var codes = Summary().Codes().ToDictionary(c => (int)c.Code.Value);

        var flush = codes[0x3];
        Assert.Equal("HvCallFlushVirtualAddressList", flush.CatalogName);
        Assert.Equal((2, 2, 0L), (flush.Calls, flush.Fast, flush.Slow));
        Assert.Equal([(HvStatus.Success, 2L)], flush.Statuses());
        Assert.Equal(1, flush.RepBucketCalls(1)); // rep_cnt 1
        Assert.Equal(1, flush.RepBucketCalls(2)); // rep_cnt 3, bucket 2–3
        Assert.Equal(1, flush.Resumed);
        Assert.Equal((2L, 4000L, 4000L, 4000L), (flush.Latency.Count, flush.Latency.Min, flush.Latency.Percentile(0.5), flush.Latency.Max));

        var post = codes[0x5C];
        Assert.Equal((2L, 0L, 2L), (post.Calls, post.Fast, post.Slow));
        Assert.Equal([(HvStatus.Success, 1L), (HvStatus.InvalidConnectionId, 1L)], post.Statuses());
        Assert.Equal((10_000L, 100_000L), (post.Latency.Min, post.Latency.Max));
        Assert.Equal(2, post.RepBucketCalls(0));

        var sparse = codes[0x14];
        Assert.Equal((1L, 1L, 1L), (sparse.Calls, sparse.WithVariableHeader, sparse.WithoutDone));
        Assert.Equal(1, sparse.RepBucketCalls(3)); // rep_cnt 5, bucket 4–7
        Assert.Equal(0, sparse.Latency.Count);
        Assert.Empty(sparse.Statuses());

        Assert.Equal((1L, 1L), (codes[0x8].Calls, codes[0x8].WithoutDone));
    }

    [Fact]
    public void Msrs_are_counted_once_per_access()
    {
        var s = Summary();
        var msrs = s.Msrs().ToDictionary(m => m.Msr);
        Assert.Equal(new KvmMsrStats(0x40000083, Reads: 1, GuestWrites: 1, HostWrites: 0, GeneralProtection: 0), msrs[0x40000083]);
        Assert.Equal(new KvmMsrStats(0x40000084, 0, 1, 0, 0), msrs[0x40000084]);
        Assert.Equal(new KvmMsrStats(0x40000090, 0, 0, 1, 0), msrs[0x40000090]);
        Assert.Equal(3, msrs.Count);
        Assert.Equal(1, s.OtherMsrReads);
        Assert.Equal(0, s.OtherMsrWrites);
    }

    [Fact]
    public void Events_by_kind_and_other_events_by_name()
    {
        var s = Summary();
        Assert.Equal(1, s.EventsOf(KvmEventKind.FlushTlb));
        Assert.Equal(2, s.EventsOf(KvmEventKind.SynicSetMsr));
        Assert.Equal(1, s.EventsOf(KvmEventKind.SynicSetIrq));
        Assert.Equal(4, s.EventsOf(KvmEventKind.Msr));
        Assert.Equal(1, s.EventsOf(KvmEventKind.Exit));
        Assert.Equal(1, s.EventsOf(KvmEventKind.Entry));
        Assert.Equal(1, s.HypercallExits);
        Assert.Equal(6, s.EventsOf(KvmEventKind.Hypercall));
        Assert.Equal(5, s.EventsOf(KvmEventKind.HypercallDone));
        Assert.Equal([("kvm_hv_timer_state", 1L), ("sched_switch", 2L)], s.OtherEvents.Counts());
        Assert.Equal(3, s.OtherEvents.Total);
    }

    [Fact]
    public void A_gp_on_the_repeated_write_is_still_counted()
    {
        var s = KvmTraceSummarizer.Summarize(new MemoryStream(Encoding.UTF8.GetBytes(Collect.Join(
            "CPU 0/KVM-7: kvm_hv_synic_set_msr: vcpu_id 0 msr 0x40000090 data 0x1 host 0",
            "CPU 0/KVM-7: kvm_msr: msr_write 40000090 = 0x1 (#GP)"))));
        Assert.Equal(new KvmMsrStats(0x40000090, 0, 1, 0, 1), Assert.Single(s.Msrs()));
    }

    [Fact]
    public void Nanosecond_and_counter_clocks_set_the_latency_unit()
    {
        var ns = KvmTraceSummarizer.Summarize(new MemoryStream(Encoding.UTF8.GetBytes(Collect.Join(
            "       CPU 1/KVM   20517 [003] 73012.004211001: kvm:kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2",
            "       CPU 1/KVM   20517 [003] 73012.004215500: kvm:kvm_hv_hypercall_done: result 0x100000000"))));
        Assert.Equal(KvmClock.Nanoseconds, ns.LatencyClock);
        Assert.Equal(4499, ns.Codes()[0].Latency.Max);

        var counter = KvmTraceSummarizer.Summarize(new MemoryStream(Encoding.UTF8.GetBytes(Collect.Join(
            "       CPU 1/KVM-20517 [003] .....   1000000: kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2",
            "       CPU 1/KVM-20517 [003] .....   1000750: kvm_hv_hypercall_done: result 0x100000000"))));
        Assert.Equal(KvmClock.Counter, counter.LatencyClock);
        Assert.Equal(750, counter.Codes()[0].Latency.Max);
    }

    [Fact]
    public void Latency_percentile_is_within_a_few_percent()
    {
        var h = new LatencyHistogram();
        for (var v = 1; v <= 1001; v++)
            h.Add(v * 1000L);
        Assert.Equal(1001, h.Count);
        Assert.Equal(1000, h.Min);
        Assert.Equal(1_001_000, h.Max);
        var median = h.Percentile(0.5); // exact median 501000
        Assert.InRange(median, 501_000 * 0.97, 501_000 * 1.03);
        for (var v = 0; v < 16; v++)
        {
            var small = new LatencyHistogram();
            small.Add(v);
            Assert.Equal(v, small.Percentile(0.5));
        }
    }
}
