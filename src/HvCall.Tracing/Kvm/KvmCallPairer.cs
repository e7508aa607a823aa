using System;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Pairs each <c>kvm_hv_hypercall</c> with the next <c>kvm_hv_hypercall_done</c> of the same task, allowing a
/// missing or late <c>_done</c> (trace-formats.md §3), and marks the <c>kvm_msr</c> write that repeats a guest
/// <c>kvm_hv_synic_set_msr</c>.
/// </summary>
/// <remarks>
/// In chunk mode (a slice of a file read in parallel) the state a task had before the chunk is unknown: the first
/// call event and the first MSR event of each task are kept aside (<see cref="TaskTable"/> heads) instead of being
/// decided, and the calls still open at the end are handed over; <see cref="KvmParallelReader"/> settles both in
/// file order, so the outcome equals a sequential read.
/// </remarks>
internal sealed class KvmCallPairer
{
    private readonly bool _chunk;

    /// <summary>A pairer.</summary>
    /// <param name="chunk">Chunk mode.</param>
    public KvmCallPairer(bool chunk) => _chunk = chunk;

    /// <summary>The tasks seen.</summary>
    public TaskTable Tasks { get; } = new();

    /// <summary>Handles an event line and passes it on.</summary>
    /// <param name="record">The event.</param>
    /// <param name="line">Its bytes.</param>
    /// <param name="sink">Where records and calls go.</param>
    public void Event(in KvmRecord record, ReadOnlySpan<byte> line, IKvmTraceSink sink)
    {
        switch (record.Kind)
        {
            case KvmEventKind.Hypercall:
                Call(in record, sink);
                break;
            case KvmEventKind.HypercallDone:
                Done(in record, sink);
                break;
            case KvmEventKind.SynicSetMsr when !record.Has(KvmRecordFlags.Host):
            {
                ref var task = ref Tasks.Get(record.Task);
                if (_chunk && task.HeadMsr == HeadEvent.None)
                    task.HeadMsr = HeadEvent.Call;
                task.Pending = true;
                task.PendingMsr = record.Word0;
                task.PendingData = record.Word1;
                break;
            }
            case KvmEventKind.Msr:
                if (Msr(in record))
                {
                    var marked = record;
                    marked.F.Flags |= KvmRecordFlags.SameAccessAsSynicWrite;
                    sink.OnRecord(in marked, line);
                    return;
                }
                break;
        }
        sink.OnRecord(in record, line);
    }

    /// <summary>End of a sequential input: every call still open ends without <c>_done</c>.</summary>
    /// <param name="sink">Where the calls go.</param>
    public void Finish(IKvmTraceSink sink)
    {
        for (var i = 0; i < Tasks.Count; i++)
        {
            ref var task = ref Tasks.At(i);
            if (!task.Open)
                continue;
            task.Open = false;
            sink.OnCall(KvmHypercall.WithoutDone(KvmCallOutcome.NoDoneAtEnd, in task.Call));
        }
    }

    private void Call(in KvmRecord record, IKvmTraceSink sink)
    {
        ref var task = ref Tasks.Get(record.Task);
        if (_chunk && task.HeadCall == HeadEvent.None)
            task.HeadCall = HeadEvent.Call;
        if (task.Open)
        {
            sink.OnCall(KvmHypercall.WithoutDone(KvmCallOutcome.NoDone, in task.Call));
        }
        task.Open = true;
        task.Call = record;
    }

    private void Done(in KvmRecord record, IKvmTraceSink sink)
    {
        ref var task = ref Tasks.Get(record.Task);
        if (task.Open)
        {
            task.Open = false;
            sink.OnCall(new KvmHypercall(KvmCallOutcome.Completed, in task.Call, in record));
        }
        else if (_chunk && task.HeadCall == HeadEvent.None)
        {
            task.HeadCall = HeadEvent.Done;
            task.HeadDone = record;
        }
        else
        {
            sink.OnCall(KvmHypercall.DoneOnly(in record));
        }
    }

    /// <summary>True when this <c>kvm_msr</c> write is the guest write its task's pending SynIC write already counted.</summary>
    private bool Msr(in KvmRecord record)
    {
        var write = record.Has(KvmRecordFlags.Write);
        ref var task = ref Tasks.Get(record.Task);
        if (_chunk && task.HeadMsr == HeadEvent.None)
        {
            task.HeadMsr = write ? HeadEvent.MsrWrite : HeadEvent.Call;
            task.HeadMsrIndex = record.Word0;
            task.HeadMsrData = record.Word1;
        }
        var same = write && task.Pending && task.PendingMsr == record.Word0 && task.PendingData == record.Word1;
        task.Pending = false;
        return same;
    }
}
