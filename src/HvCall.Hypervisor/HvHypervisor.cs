using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Handlers;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Profiles;
using HvCall.Tracing;

namespace HvCall.Hypervisor;

/// <summary>
/// A simulated Microsoft hypervisor: partitions, the hypercall and synthetic-MSR traps of their
/// virtual processors, ports and connections, and, for a hypervisor running inside a VM of a parent
/// hypervisor, forwarding of nested calls and nested SynIC MSRs to that parent.
/// </summary>
/// <remarks>
/// TLFS "Nested Virtualization": a call with the nested bit from the root partition of a hypervisor
/// that has a parent is handed to the parent as a call from the VM this hypervisor runs in (the root's
/// GPAs are that VM's GPAs), bit 31 as the root set it; the parent's <see cref="Profiles.HostProfile"/> decides
/// what the bit means there (Hyper-V clears it and dispatches; KVM refuses it as reserved; KVM with the
/// nested-VMBus relay clears it for PostMessage and SignalEvent only), and its result is returned unchanged.
/// Where the bit has no meaning (no parent, or a caller other than the root) the profile's own checks answer
/// (Hyper-V: INVALID_HYPERCALL_INPUT).
/// <para>A hypervisor and its partitions are driven from one thread at a time: simulations interleave
/// virtual processors with a seeded scheduler rather than host threads, which keeps them deterministic.</para>
/// </remarks>
public sealed partial class HvHypervisor
{
    private readonly List<Partition> _partitions = [];
    private readonly Dictionary<(ulong Partition, uint Port), Port> _ports = [];
    private readonly Dictionary<(ulong Partition, uint Connection), Connection> _connections = [];
    private ulong _nextPartitionId = 1;

    /// <summary>A hypervisor on hardware (L0).</summary>
    /// <param name="name">The layer name used in traces, such as "L0".</param>
    public HvHypervisor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Dispatcher = new HypercallDispatcher();
        StandardHandlers.RegisterAll(Dispatcher);
    }

    /// <summary>A hypervisor running inside <paramref name="hostPartition"/> of a parent hypervisor (L1).</summary>
    /// <param name="name">The layer name, such as "L1".</param>
    /// <param name="hostPartition">The parent's partition this hypervisor runs in (the L1 VM).</param>
    public HvHypervisor(string name, Partition hostPartition) : this(name)
    {
        ArgumentNullException.ThrowIfNull(hostPartition);
        if (hostPartition.Architecture != HvArchitecture.X64)
            throw new NotSupportedException("Nested virtualization is x64-only: Hyper-V has none on ARM64.");
        HostPartition = hostPartition;
        Parent = hostPartition.Hypervisor;
        Layer = (byte)(Parent.Layer + 1);
    }

    /// <summary>The layer name ("L0", "L1").</summary>
    public string Name { get; }

    /// <summary>The parent hypervisor, or null on hardware.</summary>
    public HvHypervisor? Parent { get; }

    /// <summary>The parent's partition this hypervisor runs in, or null on hardware.</summary>
    public Partition? HostPartition { get; }

    /// <summary>The dispatcher and its handler table.</summary>
    public HypercallDispatcher Dispatcher { get; }

    /// <summary>
    /// The host this hypervisor answers hypercalls as (default <see cref="HostProfiles.Hyperv"/>): its checks, their
    /// order, its statuses, its codes. A simulated L1 stays a Microsoft hypervisor; L0 may be any profile.
    /// </summary>
    /// <remarks>host-implementations.md §1.9; the profile is the dispatcher's (<see cref="HypercallDispatcher.Profile"/>).</remarks>
    /// <exception cref="ArgumentException">The profile's data cannot drive a dispatcher.</exception>
    public HostProfile Profile
    {
        get => Dispatcher.Profile;
        set => Dispatcher.Profile = value;
    }

    /// <summary>Partitions in creation order.</summary>
    public IReadOnlyList<Partition> Partitions => _partitions;

    /// <summary>The root partition, once created.</summary>
    public Partition? Root { get; private set; }

    /// <summary>What the handlers recorded (flushes, IPIs, spin waits).</summary>
    public HypervisorRecord Record { get; } = new();

    /// <summary>Creates a partition.</summary>
    /// <param name="configuration">Its architecture, VPs, memory and privileges.</param>
    /// <exception cref="InvalidOperationException">A second root partition.</exception>
    public Partition CreatePartition(PartitionConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.IsRoot && Root is not null)
            throw new InvalidOperationException($"{Name} already has a root partition.");
        var partition = new Partition(this, _nextPartitionId++, configuration);
        _partitions.Add(partition);
        if (configuration.IsRoot)
            Root = partition;
        if (_trace is { } trace)
            DescribeTo(trace, partition);
        return partition;
    }

    /// <summary>A partition by id.</summary>
    /// <param name="id">The id.</param>
    /// <param name="partition">The partition, when found.</param>
    public bool TryGetPartition(ulong id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Partition? partition)
    {
        foreach (var candidate in _partitions)
        {
            if (candidate.Id == id)
            {
                partition = candidate;
                return true;
            }
        }
        partition = null;
        return false;
    }

    /// <summary>
    /// The trap of the hypercall instruction (VMCALL/VMMCALL, <c>HVC #0</c>) executed by <paramref name="vp"/>:
    /// reads its registers, forwards or dispatches, and writes the result back.
    /// </summary>
    /// <param name="vp">A VP of one of this hypervisor's partitions.</param>
    /// <exception cref="ArgumentException">The VP belongs to another hypervisor (host misuse).</exception>
    public HypercallExit ExecuteHypercall(VirtualProcessor vp)
    {
        ArgumentNullException.ThrowIfNull(vp);
        if (vp.Partition.Hypervisor != this)
            throw new ArgumentException($"{vp} runs on {vp.Partition.Hypervisor.Name}, not {Name}.", nameof(vp));
        vp.LastFault = VpFault.None;
        var frame = default(HypercallFrame);
        if (!RegisterAdapters.TryRead(vp, ref frame))
        {
            RegisterAdapters.Complete(vp, ref frame, RegisterAdapters.SmcccNotSupported);
            return new HypercallExit(HypercallExitKind.Completed, default, new HypercallResult(RegisterAdapters.SmcccNotSupported), Name);
        }
        var control = frame.Control;
        if (vp.Partition.GuestOsId == 0 && !IsEarlyCall(vp, control))
        {
            vp.LastFault = VpFault.InvalidOpcode;
            return new HypercallExit(HypercallExitKind.Fault, control, default, Name);
        }

        var trace = Listening;
        trace?.Emit(TraceEventKind.HypercallIssued, TrackOf(vp.Partition), vp.Index, control.Value, frame.InputGpa, frame.OutputGpa);
        HypercallResult result;
        HypercallControl? continueWith;
        var handler = this;
        if (control.IsNested && Profile.ForwardsNestedCalls && CanForwardNested(vp))
        {
            // The parent sees bit 31 and decides by its profile (accepted, relayed or reserved); a continuation goes
            // back to the root with the bit, as it issued the call.
            handler = Parent!;
            var hostVp = HostVp(vp);
            trace?.Emit(TraceEventKind.HypercallForwarded, handler.TrackOf(hostVp.Partition), hostVp.Index, control.Value, frame.InputGpa, frame.OutputGpa);
            result = handler.Dispatcher.Dispatch(hostVp, ref frame, HypercallOrigin.ChildHypervisor, out continueWith);
            continueWith = continueWith?.WithNested(true);
        }
        else
        {
            result = Dispatcher.Dispatch(vp, ref frame, out continueWith);
        }

        trace?.Emit(TraceEventKind.HypercallCompleted, TrackOf(vp.Partition), vp.Index, control.Value, result.Value, continueWith is null ? 0UL : 1UL, handler.Layer);
        if (continueWith is { } next)
        {
            RegisterAdapters.Continue(vp, ref frame, next);
            return new HypercallExit(HypercallExitKind.Continue, control, result, handler.Name);
        }
        RegisterAdapters.Complete(vp, ref frame, result.Value);
        return new HypercallExit(HypercallExitKind.Completed, control, result, handler.Name);
    }

    private bool CanForwardNested(VirtualProcessor vp) =>
        Parent is not null && vp.Partition.IsRoot && HostPartition!.TryGetVp(vp.Index, out _);

    private VirtualProcessor HostVp(VirtualProcessor vp)
    {
        HostPartition!.TryGetVp(vp.Index, out var hostVp);
        return hostVp!;
    }

    // ARM64 sets its guest OS id through HvCallSetVpRegisters, so the register calls are allowed before it.
    private static bool IsEarlyCall(VirtualProcessor vp, HypercallControl control) =>
        vp.Architecture == HvArchitecture.Arm64 &&
        (control.Code == HvCallCode.SetVpRegisters || control.Code == HvCallCode.GetVpRegisters);

    /// <summary>"L0 (n partitions)".</summary>
    public override string ToString() => $"{Name} ({_partitions.Count} partitions)";
}
