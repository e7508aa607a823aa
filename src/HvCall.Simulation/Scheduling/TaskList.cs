using System.Collections.Generic;

namespace HvCall.Simulation.Scheduling;

/// <summary>Coroutines one actor interleaves, as a kernel's tasklets share a CPU: each <see cref="Step"/> advances every one once.</summary>
public sealed class TaskList
{
    private readonly List<IEnumerator<object?>> _tasks = [];

    /// <summary>True when every task has finished.</summary>
    public bool IsEmpty => _tasks.Count == 0;

    /// <summary>Adds a task.</summary>
    /// <param name="task">The coroutine.</param>
    public void Add(IEnumerable<object?> task)
    {
        System.ArgumentNullException.ThrowIfNull(task);
        _tasks.Add(task.GetEnumerator());
    }

    /// <summary>Advances each task once, in the order added; finished tasks are dropped.</summary>
    public void Step()
    {
        for (var i = 0; i < _tasks.Count; i++)
        {
            if (!_tasks[i].MoveNext())
            {
                _tasks[i].Dispose();
                _tasks.RemoveAt(i--);
            }
        }
    }
}
