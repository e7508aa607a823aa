using System.IO;
using System.Linq;
using System.Text;
using HvCall.Tracing.Kvm;
using Xunit;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>The streaming reader: line splitting, buffer edges, truncated and binary input, split lines.</summary>
public sealed class ReaderTests
{
    private static readonly string Log = Collect.Join(
        "# tracer: nop",
        "#",
        Sheet.RawNew,
        "",
        Sheet.ReportDone,
        Sheet.Raw("CPU 0/KVM", 4242, 0, ".....", "73012.004300", Sheet.SynicSetMsr),
        Sheet.Raw("CPU 0/KVM", 4242, 0, ".....", "73012.004301", Sheet.MsrWrite),
        "CPU:2 [17 EVENTS DROPPED]",
        Sheet.PerfCall,
        Sheet.PerfDone);

    [Theory]
    [InlineData(256)]
    [InlineData(300)]
    [InlineData(4096)]
    public void Small_buffers_read_the_same_lines_as_a_large_one(int bufferSize)
    {
        var expected = Collect.Read(Log);
        var actual = Collect.Read(Log, bufferSize);
        Assert.Equal(expected.Lines, actual.Lines);
        Assert.Equal(expected.Order, actual.Order);
        Assert.Equal(10, actual.Lines.Count);
    }

    [Fact]
    public void Line_numbers_count_every_line()
    {
        var sink = Collect.Read(Log);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), sink.Records.Select(r => r.Line));
        Assert.Equal(KvmLineKind.Blank, sink.Records[3].LineKind);
    }

    [Fact]
    public void A_last_line_without_line_feed_is_read_and_reported()
    {
        var text = Sheet.ReportCall + "\n" + Sheet.ReportDone; // no final \n
        var sink = new Collect();
        var result = KvmTraceReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), sink);
        Assert.True(result.EndedInsideLine);
        Assert.Equal(2, result.Lines);
        Assert.Equal(KvmCallOutcome.Completed, Assert.Single(sink.Calls).Outcome);
    }

    [Fact]
    public void A_line_cut_inside_its_payload_is_unparsed_as_truncated()
    {
        var text = Sheet.ReportCall + "\n" + Sheet.ReportDone[..^12];
        var sink = new Collect();
        var result = KvmTraceReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), sink);
        Assert.True(result.EndedInsideLine);
        Assert.Equal(KvmUnparsedReason.Truncated, sink.Records[1].Reason);
        Assert.Equal(KvmCallOutcome.NoDoneAtEnd, Assert.Single(sink.Calls).Outcome);
    }

    [Fact]
    public void Binary_input_is_recognised_and_not_read()
    {
        var bytes = new byte[10_000];
        "\u0017\bDtracing6"u8.CopyTo(bytes);
        var sink = new Collect();
        var result = KvmTraceReader.Read(new MemoryStream(bytes), sink);
        Assert.True(result.Binary);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public void Empty_input_reads_nothing()
    {
        var result = KvmTraceReader.Read(new MemoryStream(), new Collect());
        Assert.Equal(new KvmReadResult(0, 0, false, false), result);
    }

    [Fact]
    public void A_line_longer_than_the_buffer_is_skipped_and_counted()
    {
        var text = Collect.Join(Sheet.RawNew, "x" + new string('y', 5000), Sheet.ReportDone);
        var sink = Collect.Read(text, bufferSize: 1024);
        Assert.Equal(3, sink.Records.Count);
        Assert.Equal(KvmUnparsedReason.TooLong, sink.Records[1].Reason);
        Assert.Equal(KvmCallOutcome.Completed, Assert.Single(sink.Calls).Outcome);
    }

    [Fact]
    public void Binary_bytes_in_the_middle_make_their_line_unparsed()
    {
        var text = Collect.Join(Sheet.RawNew, "\u0001\u0002garbage: \u0003", Sheet.ReportDone);
        var sink = Collect.Read(text);
        Assert.Equal(KvmUnparsedReason.Binary, sink.Records[1].Reason);
        Assert.Single(sink.Calls);
    }

    [Theory]
    // The stray '\n' of old trace-cmd around a timestamp ≤ 1 s ("%12llu", §1.2), on either side of the number.
    [InlineData("       CPU 1/KVM-20517 [003] .....            123", ": kvm_hv_hypercall:     code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2")]
    [InlineData("       CPU 1/KVM-20517 [003] ..... ", "           123: kvm_hv_hypercall:     code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2")]
    public void A_line_split_by_a_stray_newline_is_rejoined(string first, string second)
    {
        var sink = Collect.Read(Collect.Join(first, second, Sheet.ReportDone));
        Assert.Equal(2, sink.Records.Count);
        var call = sink.Records[0];
        Assert.Equal(KvmEventKind.Hypercall, call.Kind);
        Assert.Equal(20517, call.Pid);
        Assert.Equal(3, call.Cpu);
        Assert.Equal(123, call.Time);
        Assert.Equal(KvmClock.Counter, call.Clock);
        Assert.Equal(KvmCallOutcome.Completed, sink.Calls[0].Outcome);
    }

    [Fact]
    public void A_prefix_with_no_continuation_is_unparsed()
    {
        var sink = Collect.Read(Collect.Join("       CPU 1/KVM-20517 [003] .....", Sheet.ReportDone));
        Assert.Equal(KvmUnparsedReason.PrefixWithoutEvent, sink.Records[0].Reason);
        Assert.Equal(KvmEventKind.HypercallDone, sink.Records[1].Kind);
    }
}
