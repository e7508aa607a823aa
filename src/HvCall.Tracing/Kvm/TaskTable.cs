using System;

namespace HvCall.Tracing.Kvm;

/// <summary>What the reader remembers of one task (trace-formats.md §3): its open call and its MSR write in flight.</summary>
internal struct TaskState
{
    /// <summary>The task key.</summary>
    public long Task;

    /// <summary>A call is open.</summary>
    public bool Open;

    /// <summary>The open call.</summary>
    public KvmRecord Call;

    /// <summary>A <c>kvm_hv_synic_set_msr</c> with <c>host 0</c> waits for its <c>kvm_msr</c> line.</summary>
    public bool Pending;

    /// <summary>Its MSR.</summary>
    public ulong PendingMsr;

    /// <summary>Its data.</summary>
    public ulong PendingData;

    /// <summary>Chunk mode: the first call event of the task in the chunk (none, a call, or a done).</summary>
    public HeadEvent HeadCall;

    /// <summary>Chunk mode: the <c>_done</c> that came first.</summary>
    public KvmRecord HeadDone;

    /// <summary>Chunk mode: the first MSR event of the task in the chunk.</summary>
    public HeadEvent HeadMsr;

    /// <summary>Chunk mode: the MSR of a <c>kvm_msr</c> write that came first.</summary>
    public ulong HeadMsrIndex;

    /// <summary>Chunk mode: its data.</summary>
    public ulong HeadMsrData;
}

/// <summary>The first event of a kind that a chunk saw for a task, before which the task's state is unknown.</summary>
internal enum HeadEvent : byte
{
    /// <summary>None seen.</summary>
    None,

    /// <summary>A <c>kvm_hv_hypercall</c> (calls) / any MSR event but a <c>kvm_msr</c> write (MSRs).</summary>
    Call,

    /// <summary>A <c>kvm_hv_hypercall_done</c>.</summary>
    Done,

    /// <summary>A <c>kvm_msr</c> write.</summary>
    MsrWrite,
}

/// <summary>
/// Task key → <see cref="TaskState"/>, open addressing over a power-of-two table with the last slot cached. It grows
/// with the number of tasks (threads) in the log, never with the number of lines.
/// </summary>
internal sealed class TaskTable
{
    private long[] _keys = new long[64];
    private int[] _slots = new int[64];
    private TaskState[] _states = new TaskState[16];
    private long _lastKey = -1;
    private int _lastSlot = -1;

    /// <summary>The tasks seen, in order of first appearance.</summary>
    public int Count { get; private set; }

    /// <summary>The state of the <paramref name="index"/>-th task seen.</summary>
    /// <param name="index">0 to <see cref="Count"/> − 1.</param>
    public ref TaskState At(int index) => ref _states[index];

    /// <summary>The state of a task, created empty on first sight.</summary>
    /// <param name="task">The task key (never negative).</param>
    public ref TaskState Get(long task)
    {
        if (task == _lastKey)
            return ref _states[_lastSlot];
        var mask = _keys.Length - 1;
        var i = (int)Mix(task) & mask;
        while (true)
        {
            var slot = _slots[i];
            if (slot == 0)
                break;
            if (_keys[i] == task)
            {
                _lastKey = task;
                _lastSlot = slot - 1;
                return ref _states[slot - 1];
            }
            i = (i + 1) & mask;
        }
        if (Count == _states.Length)
            Array.Resize(ref _states, _states.Length * 2);
        _states[Count] = new TaskState { Task = task };
        _keys[i] = task;
        _slots[i] = ++Count;
        if (Count * 2 > _keys.Length)
            Grow();
        _lastKey = task;
        _lastSlot = Count - 1;
        return ref _states[Count - 1];
    }

    private void Grow()
    {
        var keys = new long[_keys.Length * 2];
        var slots = new int[_keys.Length * 2];
        var mask = keys.Length - 1;
        for (var s = 0; s < Count; s++)
        {
            var task = _states[s].Task;
            var i = (int)Mix(task) & mask;
            while (slots[i] != 0)
                i = (i + 1) & mask;
            keys[i] = task;
            slots[i] = s + 1;
        }
        _keys = keys;
        _slots = slots;
    }

    private static ulong Mix(long key)
    {
        var x = (ulong)key * 0x9E37_79B9_7F4A_7C15;
        return x ^ (x >> 29);
    }
}
