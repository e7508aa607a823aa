using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Summarises a file on several threads: the file is cut into slices at line starts, each slice is read into its own
/// <see cref="KvmSummary"/> in chunk mode, and the slices are merged in file order.
/// </summary>
/// <remarks>
/// Pairing across a cut stays exact (trace-formats.md §3): a slice keeps aside, per task, its first call event and its
/// first MSR event (whose meaning depends on what came before) and hands over what is open at its end (a call, a
/// SynIC write waiting for its <c>kvm_msr</c> line). The merge walks the slices in order with a carry per task and
/// settles them as a sequential read would. Only the rejoining of a line split in two halves (§1.2) is not done across
/// a cut.
/// </remarks>
internal static class KvmParallelReader
{
    private struct Carry
    {
        public bool Open;
        public KvmRecord Call;
        public bool Pending;
        public ulong PendingMsr;
        public ulong PendingData;
    }

    /// <summary>Reads <paramref name="length"/> bytes of <paramref name="handle"/> on <paramref name="workers"/> threads.</summary>
    /// <param name="handle">The file.</param>
    /// <param name="length">Its length.</param>
    /// <param name="workers">Threads (at least 2).</param>
    /// <param name="bufferSize">Each thread's buffer.</param>
    public static KvmSummary Summarize(SafeFileHandle handle, long length, int workers, int bufferSize)
    {
        var bounds = new long[workers + 1];
        for (var i = 0; i <= workers; i++)
            bounds[i] = length / workers * i;
        bounds[workers] = length;

        var parts = new KvmSummary[workers];
        var dispatchers = new LineDispatcher[workers];
        var results = new KvmReadResult[workers];
        void Work(int i)
        {
            var part = new KvmSummary();
            var dispatcher = new LineDispatcher(part, chunk: true, numberLines: false);
            var start = i == 0 ? 0 : bounds[i] - 1;
            var limit = i == workers - 1 ? long.MaxValue : bounds[i + 1] - start;
            results[i] = KvmTraceReader.Run(new FileRangeSource(handle, start), dispatcher, bufferSize, limit, skipFirstLine: i > 0, probe: false);
            dispatcher.Finish(closeCalls: false);
            parts[i] = part;
            dispatchers[i] = dispatcher;
        }

        // One thread per slice (the calling thread takes the first): a pool-based loop may run two slices on one thread.
        var failures = new Exception?[workers];
        var threads = new Thread[workers - 1];
        for (var i = 1; i < workers; i++)
        {
            var index = i;
            threads[i - 1] = new Thread(() =>
            {
                try
                {
                    Work(index);
                }
                catch (Exception ex)
                {
                    failures[index] = ex;
                }
            }) { IsBackground = true, Name = $"hvcall-trace-{index}" };
            threads[i - 1].Start();
        }
        try
        {
            Work(0);
        }
        catch (Exception ex)
        {
            failures[0] = ex;
        }
        foreach (var thread in threads)
            thread.Join();
        foreach (var failure in failures)
        {
            if (failure is not null)
                ExceptionDispatchInfo.Throw(failure);
        }

        var total = new KvmSummary();
        var carries = new Dictionary<long, Carry>();
        var order = new List<long>();
        for (var i = 0; i < workers; i++)
        {
            total.Merge(parts[i]);
            total.Lines += results[i].Lines;
            Settle(total, dispatchers[i].Pairer.Tasks, carries, order);
        }
        foreach (var task in order)
        {
            var carry = carries[task];
            if (!carry.Open)
                continue;
            total.OnCall(KvmHypercall.WithoutDone(KvmCallOutcome.NoDoneAtEnd, in carry.Call));
        }
        total.Bytes = length;
        total.EndedInsideLine = results[workers - 1].EndedInsideLine;
        return total;
    }

    /// <summary>Settles one slice's heads against the carry and takes over its tails.</summary>
    private static void Settle(KvmSummary total, TaskTable tasks, Dictionary<long, Carry> carries, List<long> order)
    {
        for (var i = 0; i < tasks.Count; i++)
        {
            ref var task = ref tasks.At(i);
            if (!carries.TryGetValue(task.Task, out var carry))
                order.Add(task.Task);
            switch (task.HeadCall)
            {
                case HeadEvent.Done:
                {
                    total.OnCall(carry.Open
                        ? new KvmHypercall(KvmCallOutcome.Completed, in carry.Call, in task.HeadDone)
                        : KvmHypercall.DoneOnly(in task.HeadDone));
                    break;
                }
                case HeadEvent.Call when carry.Open:
                {
                    total.OnCall(KvmHypercall.WithoutDone(KvmCallOutcome.NoDone, in carry.Call));
                    break;
                }
            }
            if (task.HeadCall != HeadEvent.None)
            {
                carry.Open = task.Open;
                carry.Call = task.Call;
            }
            if (task.HeadMsr == HeadEvent.MsrWrite && carry.Pending && carry.PendingMsr == task.HeadMsrIndex && carry.PendingData == task.HeadMsrData)
                total.UncountGuestWrite(task.HeadMsrIndex);
            if (task.HeadMsr != HeadEvent.None)
            {
                carry.Pending = task.Pending;
                carry.PendingMsr = task.PendingMsr;
                carry.PendingData = task.PendingData;
            }
            carries[task.Task] = carry;
        }
    }
}

/// <summary>A file read at offsets from <paramref name="offset"/> on (several readers share one handle).</summary>
/// <param name="handle">The file.</param>
/// <param name="offset">Where reading starts.</param>
internal sealed class FileRangeSource(SafeFileHandle handle, long offset) : ByteSource
{
    private long _offset = offset;

    /// <inheritdoc/>
    public override int Read(Span<byte> destination)
    {
        var read = RandomAccess.Read(handle, destination, _offset);
        _offset += read;
        return read;
    }
}
