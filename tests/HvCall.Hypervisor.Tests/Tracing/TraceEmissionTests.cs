using System.Collections.Generic;
using System.Linq;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using HvCall.Tracing;
using Xunit;

namespace HvCall.Hypervisor.Tests.Tracing;

/// <summary>
/// What the hypervisors emit into their trace stream, on the nested rig (L0 runs l1-vm, which runs L1 and its root):
/// a nested call is issued on the root's track, forwarded on l1-vm's (TLFS "Nested Virtualization": L0 handles it as
/// a call from the VM L1 runs in) and completed by layer 0; a nested SynIC MSR is handled by L0 as the plain one
/// (facts §7: nested MSR = plain MSR + 0x1000); the message L0 delivers raises the SINT's interrupt in l1-vm's VP.
/// </summary>
public sealed class TraceEmissionTests
{
    private sealed class Collect : ITraceSink
    {
        public List<TraceEvent> Events { get; } = [];
        public void Write(in TraceEvent traceEvent) => Events.Add(traceEvent);
    }

    private static (NestedRig Rig, TraceStream Stream, Collect Sink) Traced()
    {
        var rig = new NestedRig();
        var stream = new TraceStream();
        rig.L0.Trace = stream;
        rig.L1.Trace = stream;
        var sink = new Collect();
        stream.Attach(sink);
        return (rig, stream, sink);
    }

    [Fact]
    public void Layers_and_partitions_are_named_and_the_root_runs_on_l1_vm()
    {
        var (n, stream, _) = Traced();
        Assert.Equal((byte)0, n.L0.Layer);
        Assert.Equal((byte)1, n.L1.Layer);
        Assert.True(stream.TryDescribe(n.L1.TrackOf(n.Root), out var root));
        Assert.Equal(("L1", "root", true), (root.LayerName, root.PartitionName, root.IsRoot));
        Assert.Equal(n.L0.TrackOf(n.L1Vm), root.RunsOn);
        Assert.True(stream.TryDescribe(n.L1.TrackOf(n.L1Guest), out var guest));
        Assert.Null(guest.RunsOn);
        Assert.Equal("L0", stream.LayerName(0));
    }

    [Fact]
    public void A_nested_post_is_issued_by_the_root_forwarded_to_l1_vm_and_completed_by_L0_then_delivered()
    {
        var (n, _, sink) = Traced();
        n.EnableL0Synic();
        sink.Events.Clear();

        var control = Words.Control(Code.PostMessage, nested: true);
        var outcome = Cpu.Issue(n.RootVp1, control, false, Inputs.PostMessage(NestedRig.Conn, 1, [0xAB]), 0);
        Assert.Equal(0UL, outcome.Result);

        var kinds = sink.Events.Select(e => e.Kind).ToList();
        Assert.Equal(
            [TraceEventKind.HypercallIssued, TraceEventKind.HypercallForwarded, TraceEventKind.SynicMessageDelivered,
             TraceEventKind.InterruptRaised, TraceEventKind.HypercallCompleted], kinds);
        var issued = sink.Events[0];
        Assert.Equal((n.L1.TrackOf(n.Root), 1u, control), (issued.Track, issued.Vp, issued.Word0));
        Assert.True(issued.Control.IsNested);
        var forwarded = sink.Events[1];
        Assert.Equal((n.L0.TrackOf(n.L1Vm), 1u, control), (forwarded.Track, forwarded.Vp, forwarded.Word0));
        Assert.Equal(issued.Word1, forwarded.Word1); // the root's GPAs are l1-vm's GPAs
        var delivered = sink.Events[2];
        Assert.Equal((n.L0.TrackOf(n.L1Vm), 2, 1UL), (delivered.Track, delivered.Sint, delivered.Word1));
        var interrupt = sink.Events[3];
        Assert.Equal((2, 0x50UL), (interrupt.Sint, interrupt.Word1)); // NestedRig unmasks SINT 2 with vector 0x50
        var completed = sink.Events[4];
        Assert.Equal((n.L1.TrackOf(n.Root), (byte)0, 0UL, false), (completed.Track, completed.HandlerLayer, completed.Result.Value, completed.Continues));
    }

    [Fact]
    public void A_plain_call_from_the_root_is_completed_by_L1_without_forwarding()
    {
        var (n, _, sink) = Traced();
        var outcome = Cpu.Issue(n.RootVp1, Words.Control(Code.PostMessage), false, Inputs.PostMessage(NestedRig.Conn, 1, [1]), 0);
        Assert.Equal(0x12UL, outcome.Result & 0xFFFF); // L1 has no connection 0x2001: INVALID_CONNECTION_ID

        Assert.DoesNotContain(sink.Events, e => e.Kind == TraceEventKind.HypercallForwarded);
        var completed = Assert.Single(sink.Events, e => e.Kind == TraceEventKind.HypercallCompleted);
        Assert.Equal(((byte)1, 0x12UL), (completed.HandlerLayer, completed.Result.Value & 0xFFFF));
    }

    [Fact]
    public void Msr_events_carry_the_routed_msr_the_handling_layer_and_faults()
    {
        var (n, _, sink) = Traced();
        n.EnableL0Synic(); // nested SIMP (0x40001083) first

        var simp = sink.Events[0];
        Assert.Equal(TraceEventKind.MsrWrite, simp.Kind);
        Assert.Equal((0x4000_1083u, 0x4000_0083u, (byte)0, false), (simp.Msr, simp.RoutedMsr, simp.HandlerLayer, simp.Faulted));
        Assert.Equal(n.L1.TrackOf(n.Root), simp.Track);

        sink.Events.Clear();
        Assert.Equal(VpFault.GeneralProtection, n.L1.WriteMsr(n.L1Guest.VirtualProcessors[0], 0x4000_1083, 1)); // not a nested root
        Assert.Equal(VpFault.None, n.L1.ReadMsr(n.RootVp1, 0x4000_0002, out _)); // VP_INDEX, handled by L1
        Assert.Equal(2, sink.Events.Count);
        Assert.Equal((TraceEventKind.MsrWrite, true, (byte)1), (sink.Events[0].Kind, sink.Events[0].Faulted, sink.Events[0].HandlerLayer));
        Assert.Equal((TraceEventKind.MsrRead, 1UL, (byte)1), (sink.Events[1].Kind, sink.Events[1].MsrValue, sink.Events[1].HandlerLayer));
    }

    [Fact]
    public void Eom_and_event_flags_are_emitted_and_nothing_is_emitted_when_no_one_listens()
    {
        var (n, stream, sink) = Traced();
        n.EnableL0Synic();
        sink.Events.Clear();
        var signal = Cpu.Issue(n.RootVp1, Words.Control(Code.SignalEvent, fast: true, nested: true), true, Inputs.Qword(Inputs.SignalEvent(NestedRig.EventConn, 5)), 0);
        Assert.Equal(0UL, signal.Result);
        var flag = Assert.Single(sink.Events, e => e.Kind == TraceEventKind.EventFlagSet);
        Assert.Equal((n.L0.TrackOf(n.L1Vm), 3, 5UL), (flag.Track, flag.Sint, flag.Word1)); // the rig's event port: SINT 3

        Assert.Equal(VpFault.None, n.L1.WriteMsr(n.RootVp1, 0x4000_1084, 0)); // nested EOM
        Assert.Single(sink.Events, e => e.Kind == TraceEventKind.SynicEndOfMessage && e.Track == n.L0.TrackOf(n.L1Vm));

        stream.Detach(sink);
        var before = sink.Events.Count;
        Cpu.Issue(n.RootVp1, Words.Control(Code.SignalEvent, fast: true, nested: true), true, Inputs.Qword(Inputs.SignalEvent(NestedRig.EventConn, 6)), 0);
        Assert.Equal(before, sink.Events.Count);
    }
}
