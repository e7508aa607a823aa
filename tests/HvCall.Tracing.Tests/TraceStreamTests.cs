using System.Collections.Generic;
using HvCall.Tracing;
using Xunit;

namespace HvCall.Tracing.Tests;

public sealed class TraceStreamTests
{
    private sealed class Clock : ITraceClock
    {
        public long Now { get; set; }
    }

    private sealed class Collect : ITraceSink
    {
        public List<TraceEvent> Events { get; } = [];
        public void Write(in TraceEvent traceEvent) => Events.Add(traceEvent);
    }

    [Fact]
    public void A_stream_with_no_sink_is_not_listening_and_sinks_get_every_event_stamped_by_the_clock()
    {
        var clock = new Clock { Now = 250 };
        var stream = new TraceStream(clock);
        Assert.False(stream.IsListening);

        var first = new Collect();
        var second = new Collect();
        stream.Attach(first);
        stream.Attach(second);
        Assert.True(stream.IsListening);

        stream.Emit(TraceEventKind.HypercallIssued, new TraceTrack(1, 1), vp: 3, word0: 0x8000_005C, word1: 0x1000);
        clock.Now = 400;
        stream.Emit(TraceEventKind.InterruptRaised, new TraceTrack(0, 2), vp: 0, word0: 2, word1: 0x30);

        Assert.Equal(2, first.Events.Count);
        Assert.Equal(first.Events, second.Events);
        Assert.Equal(250, first.Events[0].Time);
        Assert.Equal(0x5C, first.Events[0].Control.Code.Value);
        Assert.True(first.Events[0].Control.IsNested);
        Assert.Equal(new TraceTrack(1, 1), first.Events[0].Track);
        Assert.Equal(400, first.Events[1].Time);
        Assert.Equal(2, first.Events[1].Sint);

        stream.Detach(first);
        Assert.True(stream.IsListening);
        stream.Detach(second);
        Assert.False(stream.IsListening);
    }

    [Fact]
    public void Tracks_keep_the_order_they_were_first_described_in()
    {
        var stream = new TraceStream();
        stream.Describe(new TraceTrack(1, 1), new TraceTrackInfo("L1", "root", true, 2));
        stream.Describe(new TraceTrack(0, 1), new TraceTrackInfo("L0", "l1-vm", false, 2));
        stream.Describe(new TraceTrack(1, 1), new TraceTrackInfo("L1", "root", true, 4));

        Assert.Equal([new TraceTrack(1, 1), new TraceTrack(0, 1)], stream.Tracks);
        Assert.True(stream.TryDescribe(new TraceTrack(1, 1), out var root));
        Assert.Equal(4, root.VpCount);
        Assert.False(stream.TryDescribe(new TraceTrack(1, 9), out _));
    }
}
