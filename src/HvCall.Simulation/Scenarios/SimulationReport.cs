using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Profiles;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using HvCall.VmBus.Messages;

namespace HvCall.Simulation.Scenarios;

/// <summary>What a VMBus run produced.</summary>
public sealed record SimulationReport
{
    /// <summary>Flat or nested.</summary>
    public required Topology Topology { get; init; }
    /// <summary>The guest architecture.</summary>
    public required HvArchitecture Architecture { get; init; }
    /// <summary>The host L0 answered as (<see cref="MachineOptions.L0Profile"/>).</summary>
    public HostProfile L0Profile { get; init; } = HostProfiles.Hyperv;
    /// <summary>The routing mode.</summary>
    public required RoutingMode Routing { get; init; }
    /// <summary>True when the guest's routing table sends PostMessage/SignalEvent nested.</summary>
    public required bool NestedRouting { get; init; }
    /// <summary>Guest VPs.</summary>
    public required int VpCount { get; init; }
    /// <summary>The scheduler seed.</summary>
    public required ulong Seed { get; init; }
    /// <summary>What the devices were asked to do.</summary>
    public required ChannelWorkload Workload { get; init; }
    /// <summary>True when VMBus negotiated a version and received every offer.</summary>
    public required bool VmBusConnected { get; init; }
    /// <summary>The accepted version, or 0.</summary>
    public required uint VmBusVersion { get; init; }
    /// <summary>The offers the guest received.</summary>
    public required IReadOnlyList<VmBusOffer> Offers { get; init; }
    /// <summary>One entry per offer.</summary>
    public required IReadOnlyList<ChannelReport> Channels { get; init; }
    /// <summary>Heartbeat rounds the host completed (each answered with seq_num + 1).</summary>
    public required int Heartbeats { get; init; }
    /// <summary>The shutdown service version negotiated ("3.2"), or null.</summary>
    public required string? ShutdownVersion { get; init; }
    /// <summary>Echo packets that came back unchanged.</summary>
    public required long EchoesVerified { get; init; }
    /// <summary>True when UNLOAD was answered.</summary>
    public required bool Unloaded { get; init; }
    /// <summary>The scenario run.</summary>
    public Scenario Scenario { get; init; }
    /// <summary>The nested root's L2 guests, each served by the root (empty on the flat machine or with no L2 guests).</summary>
    public IReadOnlyList<ChildReport> Children { get; init; } = [];
    /// <summary>Every hypercall the guest code issued, on every partition that runs it (root, L2 guests).</summary>
    public required IReadOnlyList<HypercallTraceEntry> Hypercalls { get; init; }
    /// <summary>Hypercalls that did not succeed.</summary>
    public required int Failures { get; init; }
    /// <summary>What failed, guest side then host side.</summary>
    public required IReadOnlyList<string> Errors { get; init; }
    /// <summary>True when every guest VP finished within the step bound.</summary>
    public required bool Completed { get; init; }
    /// <summary>Scheduler steps run.</summary>
    public required long Steps { get; init; }
    /// <summary>Virtual time at the end, in nanoseconds.</summary>
    public required long VirtualTimeNs { get; init; }

    /// <summary>Guest signals summed over the channels.</summary>
    public long SignalsSent
    {
        get
        {
            long sum = 0;
            foreach (var channel in Channels)
                sum += channel.SignalsSent;
            return sum;
        }
    }

    /// <summary>Host interrupts the guest took, summed over the channels.</summary>
    public long InterruptsReceived
    {
        get
        {
            long sum = 0;
            foreach (var channel in Channels)
                sum += channel.InterruptsReceived;
            return sum;
        }
    }

    /// <summary>
    /// True when VMBus connected and unloaded for our guest code and for every L2 guest, and nothing recorded an
    /// error: a channel that failed to open or close, a device whose traffic went wrong (a lost or corrupted echo, a
    /// wrong heartbeat answer, a timeout) and a host that refused guest input all record one.
    /// </summary>
    public bool Succeeded
    {
        get
        {
            if (!VmBusConnected || !Unloaded || !Completed || Errors.Count != 0)
                return false;
            foreach (var child in Children)
            {
                if (!child.VmBusConnected || !child.Unloaded)
                    return false;
            }
            return true;
        }
    }
}
