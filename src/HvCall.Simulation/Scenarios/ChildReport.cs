using System.Collections.Generic;

namespace HvCall.Simulation.Scenarios;

/// <summary>One L2 guest of the nested root at the end of a run: its VMBus, served by the root.</summary>
public sealed record ChildReport
{
    /// <summary>The partition's name ("l2-guest-0", …).</summary>
    public required string Partition { get; init; }
    /// <summary>True when the guest negotiated a version and received every offer.</summary>
    public required bool VmBusConnected { get; init; }
    /// <summary>The accepted version, or 0.</summary>
    public required uint VmBusVersion { get; init; }
    /// <summary>Offers the guest received.</summary>
    public required int Offers { get; init; }
    /// <summary>One entry per offer.</summary>
    public required IReadOnlyList<ChannelReport> Channels { get; init; }
    /// <summary>Heartbeat rounds the root completed with this guest.</summary>
    public required int Heartbeats { get; init; }
    /// <summary>Echo packets that came back unchanged.</summary>
    public required long EchoesVerified { get; init; }
    /// <summary>True when the guest's UNLOAD was answered.</summary>
    public required bool Unloaded { get; init; }
}
