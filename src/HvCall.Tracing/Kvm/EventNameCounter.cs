using System;
using System.Collections.Generic;
using System.Text;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Counts events by name, names compared as bytes: a name costs one copy the first time it is seen and nothing after.
/// At most <see cref="Capacity"/> distinct names are kept, so memory stays bounded; later new names are counted
/// together in <see cref="Overflow"/>.
/// </summary>
/// <remarks>Used for the events the reader does not decode (trace-formats.md §2 lists the ones it does).</remarks>
public sealed class EventNameCounter
{
    /// <summary>Distinct names kept.</summary>
    public const int Capacity = 256;

    private readonly int[] _table = new int[Capacity * 2];
    private readonly byte[][] _names = new byte[Capacity][];
    private readonly long[] _counts = new long[Capacity];
    private int _count;

    /// <summary>Events whose name came after <see cref="Capacity"/> others.</summary>
    public long Overflow { get; private set; }

    /// <summary>Events counted.</summary>
    public long Total { get; private set; }

    /// <summary>Counts one event.</summary>
    /// <param name="name">Its name (UTF-8).</param>
    public void Add(ReadOnlySpan<byte> name) => Add(name, 1);

    /// <summary>The names and counts, ordered by name.</summary>
    public IReadOnlyList<(string Name, long Count)> Counts()
    {
        var list = new List<(string Name, long Count)>(_count);
        for (var i = 0; i < _count; i++)
            list.Add((Encoding.UTF8.GetString(_names[i]), _counts[i]));
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    /// <summary>Adds the counts of <paramref name="other"/>.</summary>
    /// <param name="other">Another counter.</param>
    public void Merge(EventNameCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < other._count; i++)
            Add(other._names[i], other._counts[i]);
        Overflow += other.Overflow;
        Total += other.Overflow;
    }

    private void Add(ReadOnlySpan<byte> name, long count)
    {
        Total += count;
        var mask = _table.Length - 1;
        var i = (int)TraceText.Hash(name) & mask;
        while (true)
        {
            var slot = _table[i];
            if (slot == 0)
                break;
            if (name.SequenceEqual(_names[slot - 1]))
            {
                _counts[slot - 1] += count;
                return;
            }
            i = (i + 1) & mask;
        }
        if (_count == Capacity)
        {
            Overflow += count;
            return;
        }
        _names[_count] = name.ToArray();
        _counts[_count] = count;
        _table[i] = ++_count;
    }
}
