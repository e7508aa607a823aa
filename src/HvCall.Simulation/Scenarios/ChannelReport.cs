using System;

namespace HvCall.Simulation.Scenarios;

/// <summary>One offered channel at the end of a run, as the guest drove it and the host saw it.</summary>
public sealed record ChannelReport
{
    /// <summary>The channel id.</summary>
    public required uint RelId { get; init; }
    /// <summary>"network", "storage", "heartbeat", "shutdown", "echo", or the interface GUID.</summary>
    public required string Device { get; init; }
    /// <summary>The offer's interface type.</summary>
    public required Guid InterfaceType { get; init; }
    /// <summary>The connection id the guest signals.</summary>
    public required uint ConnectionId { get; init; }
    /// <summary>The guest VP that took the channel's interrupts.</summary>
    public required uint TargetVp { get; init; }
    /// <summary>True when OPENCHANNEL succeeded.</summary>
    public required bool Opened { get; init; }
    /// <summary>True when the channel was closed and its GPADL torn down.</summary>
    public required bool Closed { get; init; }
    /// <summary>The ring GPADL handle, or 0.</summary>
    public required uint Gpadl { get; init; }
    /// <summary>Pages of the ring GPADL (both rings), or 0.</summary>
    public required int RingPages { get; init; }
    /// <summary>Packets the guest wrote.</summary>
    public required long PacketsSent { get; init; }
    /// <summary>Packets the guest read.</summary>
    public required long PacketsReceived { get; init; }
    /// <summary>HvCallSignalEvent calls the guest issued for the channel.</summary>
    public required long SignalsSent { get; init; }
    /// <summary>Host interrupts the guest took for the channel.</summary>
    public required long InterruptsReceived { get; init; }
    /// <summary>Host → guest signals the host raised for the channel.</summary>
    public required long HostSignals { get; init; }
}
