using System.Collections.Generic;
using HvCall.VmBus;
using HvCall.VmBus.Messages;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;

namespace HvCall.Simulation.Scenarios;

/// <summary>What a VMBus bring-up run produced.</summary>
public sealed record SimulationReport
{
    /// <summary>Flat or nested.</summary>
    public required Topology Topology { get; init; }
    /// <summary>The guest architecture.</summary>
    public required HvArchitecture Architecture { get; init; }
    /// <summary>The routing mode.</summary>
    public required RoutingMode Routing { get; init; }
    /// <summary>True when the guest's routing table sends PostMessage/SignalEvent nested.</summary>
    public required bool NestedRouting { get; init; }
    /// <summary>Guest VPs.</summary>
    public required int VpCount { get; init; }
    /// <summary>The scheduler seed.</summary>
    public required ulong Seed { get; init; }
    /// <summary>True when VMBus negotiated a version and received every offer.</summary>
    public required bool VmBusConnected { get; init; }
    /// <summary>The accepted version, or 0.</summary>
    public required uint VmBusVersion { get; init; }
    /// <summary>The offers the guest received.</summary>
    public required IReadOnlyList<VmBusOffer> Offers { get; init; }
    /// <summary>Channel signals the guest sent successfully.</summary>
    public required int SignalsSent { get; init; }
    /// <summary>Channel events the guest received back.</summary>
    public required int EventsReceived { get; init; }
    /// <summary>Every hypercall the guest issued.</summary>
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
}
