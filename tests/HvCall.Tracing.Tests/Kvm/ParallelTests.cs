using System;
using System.IO;
using System.Text;
using HvCall.Tracing.Kvm;
using Xunit;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>A file summarised on several threads gives the summary of a sequential read, wherever the cuts fall.</summary>
public sealed class ParallelTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"hvcall-kvm-{Guid.NewGuid():N}.txt");

    public void Dispose() => File.Delete(_path);

    /// <summary>
    /// A seeded log: 6 tasks issuing calls whose _done sometimes never comes or comes late, SynIC writes followed by
    /// their kvm_msr line, exits and entries, other events, a few broken lines.
    /// </summary>
    internal static string Generate(int seed, int lines)
    {
        var random = new Random(seed);
        var open = new bool[6];
        var pendingMsr = new bool[6];
        var b = new StringBuilder();
        b.Append("# tracer: nop\n");
        long micros = 1_000_000;
        for (var i = 0; i < lines; i++)
        {
            micros += random.Next(1, 40);
            var task = random.Next(6);
            var time = $"{micros / 1_000_000}.{micros % 1_000_000:D6}";
            string payload;
            var roll = random.Next(100);
            if (pendingMsr[task])
            {
                payload = "kvm_msr: msr_write 40000084 = 0x0";
                pendingMsr[task] = false;
            }
            else if (roll < 35)
            {
                var code = new[] { "0x2", "0x3", "0x5c", "0x5d", "0x8", "0x13", "0xbeef" }[random.Next(7)];
                var reps = random.Next(3) == 0 ? random.Next(0, 40) : 0;
                payload = $"kvm_hv_hypercall: code {code} {(random.Next(2) == 0 ? "fast" : "slow")} var_cnt 0x{random.Next(3):x} rep_cnt 0x{reps:x} idx 0x0 in 0x1000 out 0x0";
                open[task] = true;
            }
            else if (roll < 65)
            {
                payload = $"kvm_hv_hypercall_done: result 0x{random.Next(4):x}0000000{random.Next(3):x}";
                open[task] = false;
            }
            else if (roll < 72)
            {
                payload = "kvm_hv_synic_set_msr: vcpu_id 0 msr 0x40000084 data 0x0 host 0";
                pendingMsr[task] = random.Next(4) != 0;
            }
            else if (roll < 80)
            {
                payload = random.Next(2) == 0 ? "kvm_msr: msr_read 40000083 = 0x1000" : "kvm_msr: msr_write 40000084 = 0x0";
            }
            else if (roll < 88)
            {
                payload = random.Next(2) == 0 ? Sheet.ExitRaw : Sheet.EntryRaw;
            }
            else if (roll < 97)
            {
                payload = random.Next(2) == 0 ? "sched_switch: prev_comm=x" : "kvm_hv_synic_set_irq: vcpu_id 0 sint 2 vector 243 ret 1";
            }
            else
            {
                b.Append(roll == 97 ? "garbage line\n" : "\n");
                continue;
            }
            b.Append(Sheet.Raw($"CPU {task}/KVM", 3000 + task, random.Next(4), ".....", time, payload)).Append('\n');
        }
        return b.ToString();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(16)]
    public void Any_number_of_slices_gives_the_sequential_summary(int workers)
    {
        var text = Generate(seed: 11, lines: 6000);
        File.WriteAllText(_path, text);
        var sequential = KvmTraceSummarizer.Summarize(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var parallel = KvmTraceSummarizer.SummarizeFile(_path, new KvmReaderOptions { Workers = workers, MinChunkBytes = 1, BufferSize = 4096 });
        Assert.Equal(SummaryDump.Describe(sequential), SummaryDump.Describe(parallel));
        Assert.True(sequential.DonesWithoutCall + sequential.WithoutDone > 0);
    }

    [Fact]
    public void The_composed_log_cut_everywhere()
    {
        File.WriteAllText(_path, SummaryTests.Composed);
        var expected = SummaryDump.Describe(KvmTraceSummarizer.Summarize(new MemoryStream(Encoding.UTF8.GetBytes(SummaryTests.Composed))));
        for (var workers = 2; workers <= 40; workers++)
        {
            var parallel = KvmTraceSummarizer.SummarizeFile(_path, new KvmReaderOptions { Workers = workers, MinChunkBytes = 1, BufferSize = 256 });
            Assert.Equal(expected, SummaryDump.Describe(parallel));
        }
    }

    [Fact]
    public void A_binary_file_is_not_read()
    {
        var bytes = new byte[64 << 10];
        bytes[100] = 1;
        File.WriteAllBytes(_path, bytes);
        var s = KvmTraceSummarizer.SummarizeFile(_path, new KvmReaderOptions { Workers = 2, MinChunkBytes = 1 });
        Assert.True(s.Binary);
        Assert.False(s.AnythingRead);
    }
}
