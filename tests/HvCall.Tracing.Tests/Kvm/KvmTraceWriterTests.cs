using System.IO;
using System.Linq;
using System.Text;
using HvCall.Tracing;
using HvCall.Tracing.Kvm;
using Xunit;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>
/// The KVM-format writer against trace-formats.md: the raw-ftrace prefix of §1.1 (<c>"%16s-%-7d "</c>, <c>"[%03d] "</c>,
/// the 5-column flags, <c>" %5lu.%06lu: "</c>) and the TP_printk formats of §2. Each expected line is written out by
/// hand from those format strings.
/// </summary>
public sealed class KvmTraceWriterTests
{
    private static readonly TraceTrack L1Root = new(1, 1);
    private static readonly TraceTrack L1Vm = new(0, 2);

    private static (TraceStream Stream, MemoryStream Output, KvmTraceWriter Writer, Clock Clock) Rig()
    {
        var clock = new Clock();
        var stream = new TraceStream(clock);
        stream.Describe(L1Vm, new TraceTrackInfo("L0", "l1-vm", false, 2));
        stream.Describe(L1Root, new TraceTrackInfo("L1", "root", true, 2, L1Vm));
        var output = new MemoryStream();
        var writer = new KvmTraceWriter(output, stream);
        stream.Attach(writer);
        return (stream, output, writer, clock);
    }

    private sealed class Clock : ITraceClock
    {
        public long Now { get; set; }
    }

    private static string[] Events(MemoryStream output, KvmTraceWriter writer)
    {
        writer.Flush();
        return Encoding.ASCII.GetString(output.ToArray()).Split('\n').Where(l => l.Length > 0 && l[0] != '#').ToArray();
    }

    [Fact]
    public void A_call_L1_handles_is_a_hypercall_and_done_pair_of_the_root_vcpu_task_in_the_5_18_format()
    {
        var (stream, output, writer, clock) = Rig();
        clock.Now = 73_012_004_211_000; // 73012.004211 s
        // HvCallFlushVirtualAddressList, fast, rep count 1, as the sheet's §1.1 example (in 0x0, out 0x2)
        const ulong control = 0x0003 | 1UL << 16 | 1UL << 32;
        stream.Emit(TraceEventKind.HypercallIssued, L1Root, 1, control, 0x0, 0x2);
        stream.Emit(TraceEventKind.HypercallCompleted, L1Root, 1, control, 0x1_0000_0000, 0, 1);

        var lines = Events(output, writer);
        Assert.Equal(
        [
            "       CPU 1/KVM-200101  [001] ..... 73012.004211: kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2",
            "       CPU 1/KVM-200101  [001] ..... 73012.004211: kvm_hv_hypercall_done: result 0x100000000",
        ], lines);
    }

    [Fact]
    public void A_forwarded_call_is_L0s_call_from_the_vm_task_and_code_shows_bits_15_to_0_only()
    {
        var (stream, output, writer, clock) = Rig();
        clock.Now = 2_000;
        const ulong control = 0x8000_005C; // PostMessage with the nested bit
        stream.Emit(TraceEventKind.HypercallIssued, L1Root, 0, control, 0x10_0000, 0);
        stream.Emit(TraceEventKind.HypercallForwarded, L1Vm, 0, control, 0x10_0000, 0);
        stream.Emit(TraceEventKind.HypercallCompleted, L1Root, 0, control, 0x12, 0, 0);

        Assert.Equal(
        [
            "       CPU 0/KVM-100200  [000] .....     0.000002: kvm_hv_hypercall: code 0x5c slow var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x100000 out 0x0",
            "       CPU 0/KVM-100200  [000] .....     0.000002: kvm_hv_hypercall_done: result 0x12",
        ], Events(output, writer));
    }

    [Fact]
    public void Msrs_follow_kvm_synic_set_msr_inside_the_handler_then_kvm_msr_and_eom_acks_every_sint()
    {
        var (stream, output, writer, _) = Rig();
        stream.Emit(TraceEventKind.MsrWrite, L1Root, 1, 0x4000_1083, 0x1a2b3001, 0x4000_0083, 0UL << 8); // nested SIMP, handled by L0
        stream.Emit(TraceEventKind.MsrRead, L1Root, 1, 0x4000_0002, 1, 0x4000_0002, 1UL << 8);          // VP_INDEX, L1
        stream.Emit(TraceEventKind.MsrWrite, L1Root, 1, 0x4000_0091, 0x5, 0x4000_0091, 1 | 1UL << 8);    // SINT1 vector 5: #GP
        stream.Emit(TraceEventKind.MsrWrite, L1Root, 1, 0x4000_0084, 0, 0x4000_0084, 1UL << 8);          // EOM
        stream.Emit(TraceEventKind.InterruptRaised, L1Vm, 1, 2, 0xf3);

        var lines = Events(output, writer);
        const string vm = "       CPU 1/KVM-100201  [001] .....     0.000000: ";
        const string root = "       CPU 1/KVM-200101  [001] .....     0.000000: ";
        Assert.Equal(vm + "kvm_hv_synic_set_msr: vcpu_id 1 msr 0x40000083 data 0x1a2b3001 host 0", lines[0]);
        Assert.Equal(vm + "kvm_msr: msr_write 40000083 = 0x1a2b3001", lines[1]);
        Assert.Equal(root + "kvm_msr: msr_read 40000002 = 0x1", lines[2]);
        Assert.Equal(root + "kvm_msr: msr_write 40000091 = 0x5 (#GP)", lines[3]);
        Assert.Equal(root + "kvm_hv_synic_set_msr: vcpu_id 1 msr 0x40000084 data 0x0 host 0", lines[4]);
        for (var sint = 0; sint < 16; sint++)
            Assert.Equal(root + $"kvm_hv_notify_acked_sint: vcpu_id 1 sint {sint}", lines[5 + sint]);
        Assert.Equal(root + "kvm_msr: msr_write 40000084 = 0x0", lines[21]);
        Assert.Equal(vm + "kvm_hv_synic_set_irq: vcpu_id 1 sint 2 vector 243 ret 1", lines[22]);
        Assert.Equal(23, lines.Length);
    }

    [Fact]
    public void Events_without_a_kvm_tracepoint_are_not_written_and_the_header_is_raw_ftrace()
    {
        var (stream, output, writer, _) = Rig();
        stream.Emit(TraceEventKind.EventFlagSet, L1Vm, 0, 3, 5);
        stream.Emit(TraceEventKind.SynicMessageDelivered, L1Vm, 0, 2, 1);
        stream.Emit(TraceEventKind.VmBusPacket, L1Vm, 0, 5, 6, 96, 1);
        Assert.Empty(Events(output, writer));
        Assert.StartsWith("# tracer: nop\n", Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal(0, writer.Lines);
    }
}
