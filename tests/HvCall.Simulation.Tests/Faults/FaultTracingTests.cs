using System.Collections.Generic;
using System.Linq;
using HvCall.Simulation.Faults;
using HvCall.Simulation.Machines;
using HvCall.Tracing;
using HvCall.VmBus.Messages;
using Xunit;

namespace HvCall.Simulation.Tests.Faults;

/// <summary>Under faults the server's trace events still tell what happened: one VmBusControlMessage per message it handled or sent, when it happened.</summary>
public sealed class FaultTracingTests
{
    private sealed class ControlMessages : ITraceSink
    {
        public Dictionary<(ulong Type, ulong Direction), int> Counts { get; } = [];
        public int Packets { get; private set; }

        public void Write(in TraceEvent traceEvent)
        {
            if (traceEvent.Kind == TraceEventKind.VmBusControlMessage)
                Counts[(traceEvent.Word0, traceEvent.Word1)] = Counts.GetValueOrDefault((traceEvent.Word0, traceEvent.Word1)) + 1;
            else if (traceEvent.Kind == TraceEventKind.VmBusPacket)
                Packets++;
        }
    }

    [Fact]
    public void ControlMessageEvents_MatchWhatTheServerHandledAndSent()
    {
        var plan = new FaultPlan
        {
            Seed = 3,
            MaxReplyDelay = 20,
            ReorderReplies = true,
            PostStorms = [new PostStorm(2, 3, HvCall.Abi.HvStatus.Timeout)],
            Rescind = new RescindFault(SimulationHarness.EchoGuid, 50),
        };
        var (run, _) = FaultHarness.Build(FaultHarness.Spec(plan, vps: 2));
        var sink = new ControlMessages();
        run.Machine.Events.Attach(sink);
        Assert.True(run.Execute());
        Assert.Empty(FaultInvariants.Check(run));

        var server = run.Connections[0].Server;
        // Direction 0: handled (guest → host); 1: sent (host → guest), only once the transport took it.
        var handled = sink.Counts.Where(c => c.Key.Direction == 0).ToDictionary(c => (VmBusMessageType)c.Key.Type, c => c.Value);
        var sent = sink.Counts.Where(c => c.Key.Direction == 1).ToDictionary(c => (VmBusMessageType)c.Key.Type, c => c.Value);
        Assert.Equal(server.MessagesReceivedByType.OrderBy(p => p.Key), handled.OrderBy(p => p.Key));
        Assert.Equal(server.MessagesSentByType.OrderBy(p => p.Key), sent.OrderBy(p => p.Key));
        Assert.Equal(1, sent[VmBusMessageType.RescindChannelOffer]);
        Assert.Equal(1, handled[VmBusMessageType.RelIdReleased]);
        var packets = server.ChannelsOpened.Sum(c => c.PacketsReceived + c.PacketsSent);
        Assert.Equal(packets, sink.Packets);
    }
}
