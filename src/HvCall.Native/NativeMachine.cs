using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using HvCall.Abi.Registers;
using HvCall.Guest;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;

namespace HvCall.Native;

/// <summary>
/// One machine as C code sees it: a simulated machine whose guest partition (the flat guest or the nested root) C
/// drives through the exports, with L0's VMBus server running as host code, the hypercall page overlay, and one
/// lock that serialises every entry (the simulation is single-threaded; C may call from one thread per VP).
/// </summary>
internal sealed unsafe class NativeMachine
{
    private static readonly Dictionary<nint, NativeMachine> s_machines = [];
    private static nint s_nextHandle = 0x4876_0000;

    private readonly VmBusHost _host;
    private readonly HypercallPageOverlay _overlay;
    private readonly List<(System.IO.FileStream File, IDisposable Writer)> _traceFiles = [];
    private bool _kvmLog;
    private bool _timeline;

    private NativeMachine(MachineOptions options)
    {
        Machine = Machine.Build(options);
        _host = new VmBusHost(Machine.L0, Machine.Host, Machine.VmBusPartition);
        var memory = Machine.Guest.Memory;
        _overlay = new HypercallPageOverlay(memory.BaseAddress, memory.Size, (nint)(delegate* unmanaged<ulong*, ulong>)&Exports.HypercallPageEntry);
    }

    /// <summary>Serialises every call into the machine.</summary>
    public System.Threading.Lock Lock { get; } = new();

    /// <summary>The simulated machine.</summary>
    public Machine Machine { get; }

    /// <summary>The partition C code drives.</summary>
    public GuestSystem Guest => Machine.Primary;

    /// <summary>True once destroyed: every call on it fails with HVCALL_E_STATE.</summary>
    public bool Destroyed { get; private set; }

    /// <summary>Creates a machine and returns its opaque handle.</summary>
    public static nint Create(MachineOptions options)
    {
        var machine = new NativeMachine(options);
        lock (s_machines)
        {
            var handle = s_nextHandle;
            s_nextHandle += 16;
            s_machines.Add(handle, machine);
            return handle;
        }
    }

    /// <summary>The machine behind <paramref name="handle"/>, or null for anything the library did not hand out.</summary>
    public static NativeMachine? Find(nint handle)
    {
        lock (s_machines)
            return s_machines.GetValueOrDefault(handle);
    }

    /// <summary>Destroys the machine behind <paramref name="handle"/>; an unknown handle is ignored.</summary>
    public static void Destroy(nint handle)
    {
        NativeMachine? machine;
        lock (s_machines)
        {
            if (!s_machines.Remove(handle, out machine))
                return;
        }
        lock (machine.Lock)
        {
            foreach (var (file, writer) in machine._traceFiles)
            {
                writer.Dispose();
                file.Dispose();
            }
            machine._overlay.Remove();
            machine.Destroyed = true;
            machine.Machine.Guest.Memory.Dispose();
        }
    }

    /// <summary>
    /// Writes the machine's events from now on to <paramref name="path"/>: as a KVM-format log (format 0) or a Perfetto
    /// timeline (format 1), finished when the machine is destroyed. One file of each format per machine.
    /// </summary>
    public int TraceTo(string path, int format)
    {
        if (format is not (TraceKvm or TracePerfetto))
            return NativeErrors.Fail(NativeErrors.Argument, $"hvcall_trace_to: format {format} is neither HVCALL_TRACE_KVM (0) nor HVCALL_TRACE_PERFETTO (1).");
        if (format == TraceKvm ? _kvmLog : _timeline)
            return NativeErrors.Fail(NativeErrors.State, "hvcall_trace_to: this machine already writes a trace of that format.");
        System.IO.FileStream file;
        try
        {
            file = new System.IO.FileStream(path, System.IO.FileMode.Create, System.IO.FileAccess.Write, System.IO.FileShare.Read);
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return NativeErrors.Fail(NativeErrors.Argument, $"hvcall_trace_to: cannot write '{path}': {ex.Message}");
        }
        HvCall.Tracing.ITraceSink sink = format == TraceKvm
            ? new HvCall.Tracing.Kvm.KvmTraceWriter(file, Machine.Events)
            : new HvCall.Tracing.Perfetto.PerfettoWriter(file, Machine.Events, SimulatedProcessor.HypercallCostNs);
        Machine.Events.Attach(sink);
        _traceFiles.Add((file, (IDisposable)sink));
        if (format == TraceKvm)
            _kvmLog = true;
        else
            _timeline = true;
        return NativeErrors.Ok;
    }

    /// <summary>HVCALL_TRACE_KVM: raw ftrace text of KVM's Hyper-V tracepoints.</summary>
    public const int TraceKvm = 0;

    /// <summary>HVCALL_TRACE_PERFETTO: Chrome trace-event JSON.</summary>
    public const int TracePerfetto = 1;

    /// <summary>The processor of guest VP <paramref name="vp"/>, or null.</summary>
    public SimulatedProcessor? Processor(uint vp) => vp < (uint)Guest.Vps.Count ? Guest.Vps[(int)vp].Processor : null;

    /// <summary>After anything that may have changed the HYPERCALL MSR or the guest OS id: the overlay follows the MSR.</summary>
    public void FollowHypercallMsr() => _overlay.Follow(Guest.Partition.HypercallMsr);

    /// <summary>Lets L0's VMBus server take <paramref name="steps"/> steps on the virtual clock.</summary>
    public void Run(uint steps)
    {
        for (var i = 0u; i < steps; i++)
        {
            _host.Step();
            Machine.Scheduler.Clock.Advance(HvCall.Simulation.Scheduling.Scheduler.NanosecondsPerStep);
        }
    }

    /// <summary>The trace so far as a JSON array (UTF-8).</summary>
    public byte[] TraceJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var entry in Machine.Trace.Entries)
                HypercallTraceJson.Write(writer, entry);
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A MSR write on a VP, then the overlay follows (HYPERCALL or GUEST_OS_ID may have changed).</summary>
    public bool WriteMsr(SimulatedProcessor processor, uint msr, ulong value)
    {
        IMsrInstructions msrs = processor;
        var ok = msrs.TryWrite(msr, value);
        if (msr is HvX64Msr.Hypercall or HvX64Msr.GuestOsId)
            FollowHypercallMsr();
        return ok;
    }
}
