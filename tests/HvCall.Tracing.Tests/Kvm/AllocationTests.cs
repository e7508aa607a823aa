using System;
using System.IO;
using System.Text;
using HvCall.Tracing.Kvm;
using Xunit;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>Reading allocates nothing per line: memory does not grow with the input.</summary>
public sealed class AllocationTests
{
    /// <summary>A stream of <paramref name="length"/> bytes repeating a block, itself allocation-free.</summary>
    private sealed class RepeatingStream(byte[] block, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> destination)
        {
            var total = 0;
            while (total < destination.Length && _position < length)
            {
                var at = (int)(_position % block.Length);
                var n = (int)Math.Min(Math.Min(destination.Length - total, block.Length - at), length - _position);
                block.AsSpan(at, n).CopyTo(destination[total..]);
                total += n;
                _position += n;
            }
            return total;
        }
    }

    private static long Allocated(byte[] block, long bytes)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var summary = KvmTraceSummarizer.Summarize(new RepeatingStream(block, bytes));
        var after = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(summary.Hypercalls > 0);
        return after - before;
    }

    [Fact]
    public void Reading_32_MiB_allocates_no_more_than_reading_4_MiB()
    {
        var block = Encoding.UTF8.GetBytes(SummaryTests.Composed + ParallelTests.Generate(seed: 5, lines: 2000));
        Allocated(block, 1 << 20); // warm-up: JIT, static tables, the pooled buffer

        var small = Allocated(block, 4L << 20);
        var large = Allocated(block, 32L << 20);

        // ~250 000 more lines in the large read: one byte per line would be 250 KB.
        Assert.True(large - small < 32 * 1024, $"4 MiB: {small} bytes allocated, 32 MiB: {large}");
        Assert.True(large < 2 * 1024 * 1024, $"32 MiB: {large} bytes allocated");
    }
}
