using HvCall.Abi;
using HvCall.Tracing.Kvm;
using Xunit;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>The payloads of trace-formats.md §2, from the sheet's lines or its exact TP_printk strings.</summary>
public sealed class PayloadTests
{
    [Fact]
    public void Hypercall_518_form()
    {
        var r = Sheet.Event(Sheet.RawNew);
        Assert.Equal(KvmEventKind.Hypercall, r.Kind);
        var control = r.Control;
        Assert.Equal(0x3, control.Code.Value);
        Assert.True(control.IsFast);
        Assert.True(r.Has(KvmRecordFlags.Fast));
        Assert.Equal(0, control.VariableHeaderSize);
        Assert.Equal(1, control.RepCount);
        Assert.Equal(0, control.RepStart);
        Assert.Equal(0x0UL, r.Word1);
        Assert.Equal(0x2UL, r.Word2);
        Assert.False(r.Has(KvmRecordFlags.LegacyCountForm));
    }

    [Fact]
    public void Hypercall_517_cnt_form()
    {
        var r = Sheet.Event(Sheet.RawOld);
        Assert.True(r.Has(KvmRecordFlags.LegacyCountForm));
        Assert.Equal(1, r.Control.RepCount);
        Assert.Equal(0x3, r.Control.Code.Value);
    }

    [Fact]
    public void Hypercall_slow_with_every_field()
    {
        var r = Sheet.Event(Sheet.PostMessage);
        Assert.Equal(0x5C, r.Control.Code.Value);
        Assert.False(r.Control.IsFast);
        Assert.Equal(0x1a2b000UL, r.Word1);

        // "code 0x%x %s var_cnt 0x%x rep_cnt 0x%x idx 0x%x in 0x%llx out 0x%llx" with every field non-zero.
        var wide = Sheet.Event("kvm_hv_hypercall: code 0x14 slow var_cnt 0x2 rep_cnt 0xfff idx 0x7 in 0xffffffffffff1000 out 0x1234");
        Assert.Equal(0x14, wide.Control.Code.Value);
        Assert.Equal(2, wide.Control.VariableHeaderSize);
        Assert.Equal(0xFFF, wide.Control.RepCount);
        Assert.Equal(7, wide.Control.RepStart);
        Assert.Equal(0xffffffffffff1000UL, wide.Word1);
        Assert.Equal(0x1234UL, wide.Word2);
        Assert.False(wide.Control.IsNested);
    }

    [Fact]
    public void Hypercall_done_is_the_full_result_word()
    {
        var r = Sheet.Event(Sheet.ReportDone);
        Assert.Equal(HvStatus.Success, r.Result.Status);
        Assert.Equal(1, r.Result.RepsCompleted);
        Assert.Equal(0UL, Sheet.Event(Sheet.DoneZero).Word0);
    }

    [Theory]
    [InlineData("kvm_hv_hypercall: code 0x10000 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2")] // code is a __u16
    [InlineData("kvm_hv_hypercall: code 0x3 quick var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2")]
    [InlineData("kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x1000 idx 0x0 in 0x0 out 0x2")] // 12-bit rep count
    [InlineData("kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0")]
    [InlineData("kvm_hv_hypercall: code 3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2")]
    [InlineData("kvm_hv_hypercall_done: result 0x")]
    [InlineData("kvm_hv_hypercall_done: result")]
    [InlineData("kvm_msr: msr_write 4000008g = 0x1")]
    [InlineData("kvm_hv_send_ipi: vector 0xf3 processor_mask 0x6")] // vector is bare hex
    public void Malformed_payloads_are_unparsed_not_fatal(string line)
    {
        var r = Sheet.Parse(line, out var kind);
        Assert.Equal(KvmLineKind.Unparsed, kind);
        Assert.Equal(KvmUnparsedReason.BadPayload, r.Reason);
    }

    [Fact]
    public void Synic_set_msr()
    {
        var r = Sheet.Event(Sheet.SynicSetMsr);
        Assert.Equal(KvmEventKind.SynicSetMsr, r.Kind);
        Assert.Equal(1, r.Vcpu);
        Assert.Equal(0x40000083UL, r.Word0);
        Assert.Equal(0x1a2b3001UL, r.Word1);
        Assert.False(r.Has(KvmRecordFlags.Host));
        Assert.True(Sheet.Event("kvm_hv_synic_set_msr: vcpu_id 0 msr 0x40000080 data 0x0 host 1").Has(KvmRecordFlags.Host));
    }

    [Fact]
    public void Kvm_msr_index_is_bare_hex_and_gp_is_a_suffix()
    {
        var write = Sheet.Event(Sheet.MsrWrite);
        Assert.Equal(KvmEventKind.Msr, write.Kind);
        Assert.True(write.Has(KvmRecordFlags.Write));
        Assert.Equal(0x40000083UL, write.Word0);
        Assert.Equal(0x1a2b3001UL, write.Word1);
        Assert.False(write.Has(KvmRecordFlags.GeneralProtection));

        // "msr_%s %x = 0x%llx%s" with "read" and the " (#GP)" suffix.
        var read = Sheet.Event("kvm_msr: msr_read 40000090 = 0x10000 (#GP)");
        Assert.False(read.Has(KvmRecordFlags.Write));
        Assert.Equal(0x40000090UL, read.Word0);
        Assert.True(read.Has(KvmRecordFlags.GeneralProtection));
    }

    [Fact]
    public void Synic_irq_ack_and_eoi()
    {
        // "vcpu_id %d sint %u vector %d ret %d", "vcpu_id %d sint %u", "vcpu_id %d vector %d"
        var irq = Sheet.Event("kvm_hv_synic_set_irq: vcpu_id 3 sint 2 vector 243 ret -22");
        Assert.Equal(3, irq.Vcpu);
        Assert.Equal(2UL, irq.Word0);
        Assert.Equal(243UL, irq.Word1);
        Assert.Equal(-22L, (long)irq.Word2);

        var acked = Sheet.Event("kvm_hv_notify_acked_sint: vcpu_id 0 sint 5");
        Assert.Equal(KvmEventKind.NotifyAckedSint, acked.Kind);
        Assert.Equal(5UL, acked.Word0);

        var eoi = Sheet.Event("kvm_hv_synic_send_eoi: vcpu_id 12 vector 80");
        Assert.Equal(KvmEventKind.SynicSendEoi, eoi.Kind);
        Assert.Equal(12, eoi.Vcpu);
        Assert.Equal(80UL, eoi.Word0);
    }

    [Fact]
    public void Flush_tlb_with_and_without_the_L2_slot()
    {
        var notL2 = Sheet.Event(Sheet.FlushTlbNotL2);
        Assert.EndsWith("0x0 ", Sheet.FlushTlbNotL2, System.StringComparison.Ordinal);
        Assert.Equal(0xfUL, notL2.Word0);
        Assert.Equal(0x7c1e000UL, notL2.Word1);
        Assert.Equal(0x0UL, notL2.Word2);
        Assert.False(notL2.Has(KvmRecordFlags.L2));

        // Older kernels: no " %s" at all.
        var old = Sheet.Event("kvm_hv_flush_tlb: processor_mask 0xf address_space 0x7c1e000 flags 0x0");
        Assert.False(old.Has(KvmRecordFlags.L2));

        var l2 = Sheet.Event("kvm_hv_flush_tlb: processor_mask 0x3 address_space 0x0 flags 0x1 (L2)");
        Assert.True(l2.Has(KvmRecordFlags.L2));

        var ex = Sheet.Event(Sheet.FlushTlbExL2);
        Assert.Equal(KvmEventKind.FlushTlbEx, ex.Kind);
        Assert.Equal(0x1UL, ex.Word0);
        Assert.Equal(0x0UL, ex.Word1);
        Assert.Equal(0x0UL, ex.Word2);
        Assert.Equal(0x3UL, ex.Word3);
        Assert.True(ex.Has(KvmRecordFlags.L2));
        Assert.False(Sheet.Event("kvm_hv_flush_tlb_ex: valid_bank_mask 0x1 format 0x1 address_space 0x0 flags 0x3 ").Has(KvmRecordFlags.L2));
    }

    [Fact]
    public void Send_ipi_vector_and_format_are_bare_hex()
    {
        var ipi = Sheet.Event(Sheet.SendIpi);
        Assert.Equal(0xf3UL, ipi.Word0);
        Assert.Equal(0x6UL, ipi.Word1);

        // "vector %x format %llx valid_bank_mask 0x%llx"
        var ex = Sheet.Event("kvm_hv_send_ipi_ex: vector ec format 1 valid_bank_mask 0x3");
        Assert.Equal(KvmEventKind.SendIpiEx, ex.Kind);
        Assert.Equal(0xecUL, ex.Word0);
        Assert.Equal(1UL, ex.Word1);
        Assert.Equal(3UL, ex.Word2);

        // The RFC VSM series' " vtl %d" suffix is tolerated.
        Assert.Equal(0x6UL, Sheet.Event("kvm_hv_send_ipi: vector f3 processor_mask 0x6 vtl 0").Word1);
    }

    [Fact]
    public void Stimer_events()
    {
        var config = Sheet.Event("kvm_hv_stimer_set_config: vcpu_id 1 timer 0 config 0x30003 host 0");
        Assert.Equal(KvmEventKind.StimerSetConfig, config.Kind);
        Assert.Equal(0UL, config.Word0);
        Assert.Equal(0x30003UL, config.Word1);

        var count = Sheet.Event("kvm_hv_stimer_set_count: vcpu_id 1 timer 3 count 100000 host 1");
        Assert.Equal(3UL, count.Word0);
        Assert.Equal(100000UL, count.Word1);
        Assert.True(count.Has(KvmRecordFlags.Host));

        var periodic = Sheet.Event("kvm_hv_stimer_start_periodic: vcpu_id 1 timer 0 time_now 18446744073709551615 exp_time 5000");
        Assert.Equal(ulong.MaxValue, periodic.Word1);
        Assert.Equal(5000UL, periodic.Word2);

        var oneShot = Sheet.Event("kvm_hv_stimer_start_one_shot: vcpu_id 2 timer 1 time_now 123 count 456");
        Assert.Equal(KvmEventKind.StimerStartOneShot, oneShot.Kind);
        Assert.Equal(456UL, oneShot.Word2);

        Assert.Equal(KvmEventKind.StimerCallback, Sheet.Event("kvm_hv_stimer_callback: vcpu_id 0 timer 2").Kind);
        Assert.Equal(KvmEventKind.StimerCleanup, Sheet.Event("kvm_hv_stimer_cleanup: vcpu_id 0 timer 2").Kind);

        var expiration = Sheet.Event("kvm_hv_stimer_expiration: vcpu_id 4 timer 0 direct 1 send result -11");
        Assert.Equal(4, expiration.Vcpu);
        Assert.Equal(1UL, expiration.Word1);
        Assert.Equal(-11L, (long)expiration.Word2);
    }

    [Fact]
    public void Syndbg_msr_events()
    {
        var set = Sheet.Event("kvm_hv_syndbg_set_msr: vcpu_id 0 vp_index 0 msr 0x400000f1 data 0x1");
        Assert.Equal(KvmEventKind.SyndbgSetMsr, set.Kind);
        Assert.Equal(0x400000f1UL, set.Word1);
        Assert.Equal(KvmEventKind.SyndbgGetMsr, Sheet.Event("kvm_hv_syndbg_get_msr: vcpu_id 0 vp_index 0 msr 0x400000f4 data 0x0").Kind);
    }

    [Fact]
    public void Timer_state_is_a_false_friend()
    {
        // "vcpu_id %x hv_timer %x": the VMX preemption timer, not Hyper-V.
        var r = Sheet.Event("kvm_hv_timer_state: vcpu_id 0 hv_timer 1");
        Assert.Equal(KvmEventKind.Other, r.Kind);
    }

    [Fact]
    public void Exit_kernel_form_vmx_and_svm()
    {
        var vmx = Sheet.Event(Sheet.ExitRaw);
        Assert.Equal(KvmEventKind.Exit, vmx.Kind);
        Assert.True(vmx.Has(KvmRecordFlags.HypercallExit));
        Assert.Equal(1, vmx.Vcpu);
        Assert.Equal(0xfffff80312345678UL, vmx.Word0);
        Assert.Equal("VMCALL", Sheet.Detail(Sheet.ExitRaw, vmx));

        var svm = "kvm_exit: vcpu 0 reason hypercall rip 0xffffffff81001234 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000";
        Assert.True(Sheet.Event(svm).Has(KvmRecordFlags.HypercallExit));

        var other = Sheet.Event("kvm_exit: vcpu 0 reason EPT_VIOLATION rip 0xffffffff81001234 info1 0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000");
        Assert.False(other.Has(KvmRecordFlags.HypercallExit));
        Assert.Equal(0x181UL, other.Word1);
    }

    [Fact]
    public void Exit_plugin_form()
    {
        var vmx = Sheet.Event(Sheet.ExitPlugin);
        Assert.True(vmx.Has(KvmRecordFlags.HypercallExit));
        Assert.Equal(-1, vmx.Vcpu);
        Assert.Equal(0xfffff80312345678UL, vmx.Word0);

        Assert.True(Sheet.Event("kvm_exit: reason EXIT_VMMCALL rip 0xffffffff81001234 info 0 0").Has(KvmRecordFlags.HypercallExit));
        var intr = Sheet.Event("kvm_exit: reason EXTERNAL_INTERRUPT rip 0xffffffff81001234 info 0 800000ec intr 800000ec");
        Assert.False(intr.Has(KvmRecordFlags.HypercallExit));
        Assert.Equal(0x800000ecUL, intr.Word2);
        var unknown = Sheet.Event("kvm_exit: reason UNKNOWN (99) rip 0x1000 info 0 0");
        Assert.Equal(0x1000UL, unknown.Word0);
    }

    [Theory]
    [InlineData("kvm_exit: CAN'T FIND FIELD \"isa\"reason VMCALL rip 0xfffff80312345678 info 0 0")]
    [InlineData("kvm_exit: <CANT FIND FIELD isa> reason VMCALL rip 0xfffff80312345678 info 0 0")]
    public void Missing_field_markers_are_skipped(string line)
    {
        var r = Sheet.Event(line);
        Assert.True(r.Has(KvmRecordFlags.HypercallExit));
        Assert.True(r.Has(KvmRecordFlags.MissingFieldMarker));
        Assert.Equal(0xfffff80312345678UL, r.Word0);
    }

    [Fact]
    public void Nested_vmexit_with_markers_is_another_event()
    {
        var r = Sheet.Event("kvm_nested_vmexit: CAN'T FIND FIELD \"rip\"CAN'T FIND FIELD \"exit_code\"vcpu 0 reason VMCALL");
        Assert.Equal(KvmEventKind.Other, r.Kind);
    }

    [Fact]
    public void Entry_kernel_and_plugin_forms()
    {
        var raw = Sheet.Event(Sheet.EntryRaw);
        Assert.Equal(KvmEventKind.Entry, raw.Kind);
        Assert.Equal(1, raw.Vcpu);
        Assert.Equal(0xfffff8031234567bUL, raw.Word0);
        // The entry RIP is the exit RIP + 3 (VMCALL's length), §2.
        Assert.Equal(Sheet.Event(Sheet.ExitRaw).Word0 + 3, raw.Word0);

        // Plugin: " vcpu %u rip 0x%llx" (leading space, no comma) — trace-cmd pads the name, then the payload.
        var plugin = Sheet.Event("       CPU 1/KVM-20517 [003] ..... 73012.004230: kvm_entry:             vcpu 1 rip 0xfffff8031234567b");
        Assert.Equal(1, plugin.Vcpu);
        Assert.Equal(0xfffff8031234567bUL, plugin.Word0);

        // Newest kernels: "vcpu %u, rip 0x%lx%s" with "[immediate exit]" glued on.
        var immediate = Sheet.Event("kvm_entry: vcpu 0, rip 0xffffffff81001237[immediate exit]");
        Assert.True(immediate.Has(KvmRecordFlags.ImmediateExit));
        Assert.Equal(0xffffffff81001237UL, immediate.Word0);
    }

    [Fact]
    public void Every_decoded_kind_has_its_kvm_name()
    {
        for (var kind = KvmEventKind.Hypercall; kind <= KvmEventKind.Entry; kind++)
            Assert.Equal(kind, KvmEventNames.Lookup(System.Text.Encoding.ASCII.GetBytes(KvmEventNames.NameOf(kind))));
    }
}
