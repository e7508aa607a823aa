using System;
using System.Buffers.Binary;
using HvCall.VmBus.Rings;

namespace HvCall.VmBus.Tests.Rings.Support;

/// <summary>
/// The memory of one ring under test: a control page and data pages carved out of one backing array, with
/// guard bytes (a fill pattern) around every page, so a test can check that ring code never touched a byte
/// outside the ring's pages. Tests read and write ring bytes here through their own page map (ring data offset
/// → page → byte), never through <see cref="RingMemory"/>.
/// </summary>
internal sealed class TestRing
{
    public const int Page = 4096;

    private readonly byte[] _backing;
    private readonly int _controlStart;
    private readonly int[] _dataStarts;

    private TestRing(byte[] backing, int controlStart, int[] dataStarts, RingMemory memory)
    {
        _backing = backing;
        _controlStart = controlStart;
        _dataStarts = dataStarts;
        Memory = memory;
    }

    /// <summary>The ring memory handed to the code under test.</summary>
    public RingMemory Memory { get; }

    /// <summary>Bytes of ring data (data pages × 4096).</summary>
    public int DataSize => _dataStarts.Length * Page;

    /// <summary>
    /// A ring whose pages are separate 4 KiB slices of one array, each surrounded by <paramref name="guard"/>
    /// bytes, placed in a seeded shuffled order: ring data page i is generally not next to page i+1 and never
    /// contiguous with it, and the control page sits anywhere among them.
    /// </summary>
    public static TestRing Paged(int dataPages, int seed, int guard = 40)
    {
        var slots = dataPages + 1;
        var slotOrder = new int[slots];
        for (var i = 0; i < slots; i++)
            slotOrder[i] = i;
        var random = new Random(seed);
        for (var i = slots - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (slotOrder[i], slotOrder[j]) = (slotOrder[j], slotOrder[i]);
        }
        var backing = new byte[slots * (guard + Page) + guard];
        int Start(int slot) => guard + slot * (guard + Page);
        var controlStart = Start(slotOrder[0]);
        var dataStarts = new int[dataPages];
        var pages = new Memory<byte>[dataPages];
        for (var i = 0; i < dataPages; i++)
        {
            dataStarts[i] = Start(slotOrder[i + 1]);
            pages[i] = backing.AsMemory(dataStarts[i], Page);
        }
        var ring = new TestRing(backing, controlStart, dataStarts,
            new RingMemory(backing.AsMemory(controlStart, Page), pages));
        ring.FillGuards();
        return ring;
    }

    /// <summary>A ring made by <see cref="RingMemory.Flat"/>: one guard page, the control page, the data pages, one guard page.</summary>
    public static TestRing Flat(int dataPages)
    {
        var backing = new byte[(dataPages + 3) * Page];
        var dataStarts = new int[dataPages];
        for (var i = 0; i < dataPages; i++)
            dataStarts[i] = (2 + i) * Page;
        var ring = new TestRing(backing, Page, dataStarts, RingMemory.Flat(backing, 1, dataPages + 1));
        ring.FillGuards();
        return ring;
    }

    /// <summary>Either layout: paged (shuffled by <paramref name="seed"/>) or flat.</summary>
    public static TestRing Create(bool paged, int dataPages, int seed) => paged ? Paged(dataPages, seed) : Flat(dataPages);

    /// <summary>A control-page u32 (offsets from vmbus-datapath.md §3).</summary>
    public uint Control32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_backing.AsSpan(_controlStart + offset, 4));

    /// <summary>Sets a control-page u32, as a peer would.</summary>
    public void SetControl32(int offset, uint value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(_backing.AsSpan(_controlStart + offset, 4), value);

    /// <summary>The control page itself (for garbage).</summary>
    public Span<byte> ControlPage => _backing.AsSpan(_controlStart, Page);

    /// <summary>Data page <paramref name="index"/> in ring order (for garbage).</summary>
    public Span<byte> DataPage(int index) => _backing.AsSpan(_dataStarts[index], Page);

    /// <summary>The backing byte of ring data offset <paramref name="offset"/> (taken modulo the data size).</summary>
    public ref byte DataByte(int offset)
    {
        offset %= DataSize;
        return ref _backing[_dataStarts[offset / Page] + offset % Page];
    }

    /// <summary><paramref name="length"/> ring data bytes from <paramref name="offset"/>, wrapping.</summary>
    public byte[] Data(int offset, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
            bytes[i] = DataByte(offset + i);
        return bytes;
    }

    /// <summary>Writes ring data bytes at <paramref name="offset"/>, wrapping, as a peer would.</summary>
    public void SetData(int offset, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
            DataByte(offset + i) = bytes[i];
    }

    /// <summary>A little-endian u16 of ring data.</summary>
    public ushort Data16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(Data(offset, 2));

    /// <summary>A little-endian u64 of ring data.</summary>
    public ulong Data64(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(Data(offset, 8));

    /// <summary>Sets every data byte to <paramref name="value"/>.</summary>
    public void FillData(byte value)
    {
        for (var i = 0; i < _dataStarts.Length; i++)
            DataPage(i).Fill(value);
    }

    /// <summary>A copy of all backing bytes (pages and guards).</summary>
    public byte[] Snapshot() => (byte[])_backing.Clone();

    /// <summary>True when no backing byte differs from <paramref name="snapshot"/>.</summary>
    public bool Unchanged(byte[] snapshot) => _backing.AsSpan().SequenceEqual(snapshot);

    /// <summary>The backing index of the first guard byte that lost its fill pattern, or -1.</summary>
    public int FirstDamagedGuard()
    {
        for (var i = 0; i < _backing.Length; i++)
        {
            if (!InPage(i) && _backing[i] != GuardByte(i))
                return i;
        }
        return -1;
    }

    private void FillGuards()
    {
        for (var i = 0; i < _backing.Length; i++)
        {
            if (!InPage(i))
                _backing[i] = GuardByte(i);
        }
    }

    private bool InPage(int index)
    {
        if (index >= _controlStart && index < _controlStart + Page)
            return true;
        foreach (var start in _dataStarts)
        {
            if (index >= start && index < start + Page)
                return true;
        }
        return false;
    }

    private static byte GuardByte(int index) => (byte)(0xA5 ^ (index * 29) ^ (index >> 8));
}
