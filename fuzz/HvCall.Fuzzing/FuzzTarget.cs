using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scheduling;

namespace HvCall.Fuzzing;

/// <summary>A partition the fuzzer issues calls from.</summary>
internal sealed class Caller(string name, Partition partition, TrackedMemory memory, int slot)
{
    public string Name { get; } = name;
    public Partition Partition { get; } = partition;
    public TrackedMemory Memory { get; } = memory;
    /// <summary>Which of the fuzzer's areas in the partition's memory this caller's VPs use (callers sharing memory, the
    /// nested root and the L1 VM, use different slots).</summary>
    public int Slot { get; } = slot;
    public HvHypervisor Hypervisor => Partition.Hypervisor;
    /// <summary>A root partition of a hypervisor with a parent: its calls with bit 31 go to L0.</summary>
    public bool IsNestedRoot => Partition.IsRoot && Hypervisor.Parent is not null;
    public bool IsRoot => Partition.IsRoot;

    public ulong InputPage(uint vp) => FuzzLayout.Area(Slot, vp) + FuzzLayout.InputOffset;
    public ulong OutputPage(uint vp) => FuzzLayout.Area(Slot, vp) + FuzzLayout.OutputOffset;
    public ulong MessagePage(uint vp) => FuzzLayout.Area(Slot, vp) + FuzzLayout.MessageOffset;
    public ulong EventFlagsPage(uint vp) => FuzzLayout.Area(Slot, vp) + FuzzLayout.EventFlagsOffset;
}

/// <summary>Where the fuzzer keeps each caller VP's pages: a 64 KiB area with guard pages between the pages it uses.</summary>
internal static class FuzzLayout
{
    public const ulong Base = 0x10_0000;
    public const ulong SlotSize = 0x4_0000;
    public const ulong VpSize = 0x1_0000;
    public const ulong InputOffset = 0x1000;
    public const ulong OutputOffset = 0x3000;
    public const ulong MessageOffset = 0x5000;
    public const ulong EventFlagsOffset = 0x6000;

    public static ulong Area(int slot, uint vp) => Base + (ulong)slot * SlotSize + vp * VpSize;
}

/// <summary>A partition's memory with the shadow copy the checks compare it with.</summary>
internal sealed class TrackedMemory
{
    public const int PageSize = GuestMemory.PageSize;

    public TrackedMemory(string name, GuestMemory memory)
    {
        Name = name;
        Memory = memory;
        Shadow = new byte[checked((int)memory.Size)];
        Pages = (int)(memory.Size / PageSize);
        Stamp = new long[Pages];
        Compared = new long[Pages];
        Roles = new byte[Pages];
        Array.Fill(Stamp, -1);
        Array.Fill(Compared, -1);
    }

    public string Name { get; }
    public GuestMemory Memory { get; }
    /// <summary>What guest memory should hold: the fuzzer's own writes and every change the checks accepted.</summary>
    public byte[] Shadow { get; }
    public int Pages { get; }
    /// <summary>The operation that last marked a page as a SynIC page (overlay); see <see cref="InvariantChecker"/>.</summary>
    public long[] Stamp { get; }
    /// <summary>The operation that last compared a page with the shadow.</summary>
    public long[] Compared { get; }
    /// <summary>Overlay roles of the pages marked in the current operation (1 message page, 2 event flags page).</summary>
    public byte[] Roles { get; }
    /// <summary>Every VP whose SynIC pages may lie in this memory.</summary>
    public List<VirtualProcessor> Vps { get; } = [];

    public Span<byte> Real(int page)
    {
        Memory.TryGetSpan((ulong)page * PageSize, PageSize, out var span);
        return span;
    }

    public Span<byte> ShadowPage(int page) => Shadow.AsSpan(page * PageSize, PageSize);

    public bool Contains(ulong gpa, int length) => Memory.Contains(gpa, length);

    /// <summary>A write by the guest (the fuzzer): into memory and the shadow alike.</summary>
    public void Write(ulong gpa, ReadOnlySpan<byte> bytes)
    {
        if (Memory.TryWrite(gpa, bytes))
            bytes.CopyTo(Shadow.AsSpan((int)gpa));
    }

    /// <summary>Accepts whatever memory holds in a range (an output area the call may write).</summary>
    public void Accept(ulong gpa, int length)
    {
        if (length > 0 && Memory.Contains(gpa, length))
            Memory.TryRead(gpa, Shadow.AsSpan((int)gpa, length));
    }

    public void AcceptAll()
    {
        for (var page = 0; page < Pages; page++)
            Real(page).CopyTo(ShadowPage(page));
    }
}

/// <summary>Host code owning ports on L0's root: counts what arrives; can misbehave on purpose (<see cref="Sabotage"/>).</summary>
internal sealed class HostSink(Sabotage sabotage) : IHostPortSink
{
    public long Messages { get; private set; }
    public long Events { get; private set; }
    /// <summary>Where the write-into-guest-memory sabotage writes.</summary>
    public (TrackedMemory Memory, ulong Gpa)? Victim { get; set; }

    public void OnMessage(Port port)
    {
        Messages++;
        if (sabotage == Sabotage.HostSinkThrows)
            throw new InvalidOperationException("sabotage: the host sink throws");
        if (sabotage == Sabotage.HostSinkWritesGuestMemory && Victim is { } victim)
        {
            Span<byte> one = [0];
            victim.Memory.Memory.TryRead(victim.Gpa, one);
            one[0] ^= 0x5A;
            victim.Memory.Memory.TryWrite(victim.Gpa, one);
        }
    }

    public void OnEvent(Port port, ushort flagNumber) => Events++;
}

/// <summary>The machine under test: its hypervisors, every VP, the callers and their memories.</summary>
internal sealed class FuzzTarget
{
    public const int VpCount = 2;
    public const ulong MemorySize = MachineOptions.MinimumMemory;

    /// <summary>Message ports the fuzzer's root callers create (ids), event ports, the host ports on L0's root.</summary>
    public static readonly uint[] MessagePortIds = [0x100, 0x101, 0x102, 0x103];
    public static readonly uint[] EventPortIds = [0x200, 0x201, 0x202, 0x203];
    public static readonly uint[] HostPortIds = [0x300, 0x301, 0x310];
    public static readonly uint[] ConnectionIds = [1, 2, 3, 4, 5, 6, 0x2001, 0x2002];
    public static readonly uint[] HostConnectionIds = [0x40, 0x41, 0x42];
    public static readonly int[] RepsPerTimeSliceChoices = [1, 2, 3, 16];

    public FuzzTarget(FuzzConfiguration configuration, SplitMix64 random, Sabotage sabotage)
    {
        Configuration = configuration;
        Machine = Machine.Build(new MachineOptions
        {
            Topology = configuration.Topology,
            Architecture = configuration.Architecture,
            VpCount = VpCount,
            MemorySize = MemorySize,
            Trace = false,
            Seed = random.Next(),
            L0Profile = Hypervisor.Profiles.HostProfiles.Get(configuration.L0Profile),
            // Short time slices make rep calls continue (fast ones too), so continuations are fuzzed, not just reps.
            RepsPerTimeSlice = RepsPerTimeSliceChoices[random.Next(RepsPerTimeSliceChoices.Length)],
        });
        Hypervisors.Add(Machine.L0);
        if (Machine.L1 is { } l1)
            Hypervisors.Add(l1);
        foreach (var hv in Hypervisors)
        {
            foreach (var partition in hv.Partitions)
            {
                var memory = Track(partition);
                foreach (var vp in partition.VirtualProcessors)
                {
                    VpIndex[vp] = Vps.Count;
                    Vps.Add(vp);
                    memory.Vps.Add(vp);
                }
            }
        }

        var slot = 0;
        AddCaller("host", Machine.Host, slot++);
        if (configuration.Topology == Topology.Flat)
        {
            AddCaller("guest", Machine.Guest, slot++);
        }
        else
        {
            AddCaller("l1-vm", Machine.L1Vm!, slot++);
            AddCaller("root", Machine.Guest, slot++);
            AddCaller("l2-guest", Machine.L2Guests[0].Partition, slot++);
        }

        Sink = new HostSink(sabotage);
        FillMemories(random);
        foreach (var caller in Callers)
            caller.Partition.GuestOsId = LinuxGuestOsId;
        CreateHostPorts();
    }

    public const ulong LinuxGuestOsId = GuestLayout.LinuxGuestOsId;

    public FuzzConfiguration Configuration { get; }
    public Machine Machine { get; }
    public List<HvHypervisor> Hypervisors { get; } = [];
    public List<VirtualProcessor> Vps { get; } = [];
    public Dictionary<VirtualProcessor, int> VpIndex { get; } = [];
    public List<TrackedMemory> Memories { get; } = [];
    public List<Caller> Callers { get; } = [];
    public HostSink Sink { get; }
    public List<Port> HostPorts { get; } = [];

    public TrackedMemory MemoryOf(Partition partition)
    {
        foreach (var memory in Memories)
        {
            if (ReferenceEquals(memory.Memory, partition.Memory))
                return memory;
        }
        throw new InvalidOperationException($"{partition} has untracked memory.");
    }

    private TrackedMemory Track(Partition partition)
    {
        foreach (var memory in Memories)
        {
            if (ReferenceEquals(memory.Memory, partition.Memory))
                return memory;
        }
        var tracked = new TrackedMemory(partition.Name, partition.Memory);
        Memories.Add(tracked);
        return tracked;
    }

    private void AddCaller(string name, Partition partition, int slot) =>
        Callers.Add(new Caller(name, partition, MemoryOf(partition), slot));

    // Every byte of every memory gets a seeded pattern, so that a write of zeros shows; the SynIC pages the fuzzer hands
    // out start zeroed (free slots, clear flags), as a guest clears them before enabling them.
    private void FillMemories(SplitMix64 random)
    {
        var page = new byte[TrackedMemory.PageSize];
        foreach (var memory in Memories)
        {
            for (var p = 0; p < memory.Pages; p++)
            {
                FillRandom(random, page);
                memory.Write((ulong)p * TrackedMemory.PageSize, page);
            }
        }
        Array.Clear(page);
        foreach (var caller in Callers)
        {
            for (var v = 0u; v < caller.Partition.VirtualProcessors.Count; v++)
            {
                caller.Memory.Write(caller.MessagePage(v), page);
                caller.Memory.Write(caller.EventFlagsPage(v), page);
            }
        }
    }

    public static void FillRandom(SplitMix64 random, Span<byte> bytes)
    {
        var i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[i..], random.Next());
        if (i < bytes.Length)
        {
            var last = random.Next();
            for (; i < bytes.Length; i++, last >>= 8)
                bytes[i] = (byte)last;
        }
    }

    // Host code on L0's root serves two message ports and an event port, reached from L0's guest partition (the flat
    // guest or the L1 VM) by connection ids 0x40-0x42, as a VMBus server's ports are.
    private void CreateHostPorts()
    {
        var l0 = Machine.L0;
        var host = Machine.Host;
        var guest = Machine.VmBusPartition;
        for (var i = 0; i < HostPortIds.Length; i++)
        {
            var type = i < 2 ? PortType.Message : PortType.Event;
            if (l0.CreateHostPort(host, HostPortIds[i], type, Sink, flagCount: 8) != HvStatus.Success ||
                l0.ConnectPort(guest, HostConnectionIds[i], host, HostPortIds[i]) != HvStatus.Success)
                throw new InvalidOperationException("host port setup failed");
        }
        foreach (var port in l0.Ports)
        {
            if (port.Sink is not null)
                HostPorts.Add(port);
        }
        var victim = Callers[^1];
        Sink.Victim = (victim.Memory, victim.InputPage(0) - 8);
    }
}
