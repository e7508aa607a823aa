using HvCall.Tracing.Kvm;
using Xunit;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>
/// The one-pass readings of the common prefix and payloads give the same record as the tolerant route, which a line
/// takes when it differs from the kernel's exact spacing (here: doubled spaces, which trace-formats.md §4 item 3 says
/// to tolerate).
/// </summary>
public sealed class FastPathTests
{
    [Theory]
    [InlineData(Sheet.RawNew)]
    [InlineData(Sheet.ReportDone)]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: " + Sheet.ExitRaw)]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: " + Sheet.EntryRaw)]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: " + Sheet.PostMessage)]
    [InlineData("           <...>-20517   [003] d..2. 73012.004211: " + Sheet.DoneZero)]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: " + Sheet.MsrWrite)]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: kvm_msr: msr_read 40000090 = 0x10000 (#GP)")]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: " + Sheet.SynicSetMsr)]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: kvm_hv_synic_set_msr: vcpu_id 0 msr 0x40000080 data 0x0 host 1")]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: " + Sheet.FlushTlbNotL2)]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: kvm_hv_flush_tlb: processor_mask 0x3 address_space 0x0 flags 0x1 (L2)")]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: " + Sheet.SendIpi)]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211123: " + Sheet.DoneZero)]
    public void Exact_and_tolerant_readings_agree(string line)
    {
        var exact = Sheet.Event(line);
        var colon = line.IndexOf(": kvm_", System.StringComparison.Ordinal);
        var spaced = line[..(colon + 2)] + line[(colon + 2)..].Replace(" ", "  ", System.StringComparison.Ordinal);
        var tolerant = Sheet.Event(spaced);
        Assert.Equal(exact.Kind, tolerant.Kind);
        Assert.Equal(exact.Flags, tolerant.Flags);
        Assert.Equal(exact.Vcpu, tolerant.Vcpu);
        Assert.Equal((exact.Word0, exact.Word1, exact.Word2, exact.Word3), (tolerant.Word0, tolerant.Word1, tolerant.Word2, tolerant.Word3));
        Assert.Equal((exact.Pid, exact.Cpu, exact.Time, exact.Clock), (tolerant.Pid, tolerant.Cpu, tolerant.Time, tolerant.Clock));
    }

    [Fact]
    public void Immediate_exit_on_the_tolerant_route()
    {
        var r = Sheet.Event("kvm_entry:  vcpu 0,  rip 0xffffffff81001237[immediate exit]");
        Assert.True(r.Has(KvmRecordFlags.ImmediateExit));
        Assert.Equal(0xffffffff81001237UL, r.Word0);
    }

    [Theory]
    [InlineData("       CPU 1/KVM-20517   [003] ..... 73012.004211: kvm_hv_hypercall_done: result 0x0", "       CPU 1/KVM-20517   [003]  .....   73012.004211:  kvm_hv_hypercall_done: result 0x0")]
    [InlineData("       CPU 1/KVM-20517   [003] 73012.004211: kvm_hv_hypercall_done: result 0x0", "CPU 1/KVM-20517 [003] 73012.004211: kvm_hv_hypercall_done: result 0x0")]
    public void Prefix_readings_agree(string common, string unusual)
    {
        var a = Sheet.Event(common);
        var b = Sheet.Event(unusual);
        Assert.Equal((a.Pid, a.Cpu, a.Time, a.Kind, a.Task), (b.Pid, b.Cpu, b.Time, b.Kind, b.Task));
        Assert.Equal(Sheet.Comm(common, a), Sheet.Comm(unusual, b));
    }
}
