using HvCall.Simulation.Machines;

namespace HvCall.Simulation.VmBus;

/// <summary>What the devices do once their channels are open: both ends of a run are configured with the same workload.</summary>
/// <remarks>Defaults keep the default <c>hvcall simulate</c> run well under a second.</remarks>
public sealed record ChannelWorkload
{
    /// <summary>Heartbeat rounds the host sends (each answered with seq_num + 1).</summary>
    public int HeartbeatRounds { get; init; } = 3;
    /// <summary>Packets the guest sends on the echo channel (each echoed back by the host).</summary>
    public int EchoPackets { get; init; } = 1000;
    /// <summary>Payload bytes of each echo packet.</summary>
    public int EchoPacketSize { get; init; } = 64;
    /// <summary>Pages of each of the two rings of an integration-component channel (1 control + 3 data: Linux hv_utils' 16 KiB).</summary>
    public int IcRingPages { get; init; } = 4;
    /// <summary>Pages of each of the two rings of the echo channel (1 control + 15 data).</summary>
    public int EchoRingPages { get; init; } = 16;

    /// <summary>The largest echo payload a ring of <see cref="EchoRingPages"/> carries (data bytes less descriptor, trailer and the 8-byte reserve).</summary>
    public int MaxEchoPacketSize => (EchoRingPages - 1) * 4096 - 16 - 8 - 8;

    /// <summary>A one-line reason when the workload cannot run, or null.</summary>
    public string? Validate()
    {
        if (HeartbeatRounds is < 0 or > 1_000_000)
            return $"Heartbeat rounds must be 0 to 1000000, not {HeartbeatRounds}.";
        if (EchoPackets is < 0 or > 100_000_000)
            return $"The echo packet count must be 0 to 100000000, not {EchoPackets}.";
        if (EchoRingPages is < 2 or > 64 || IcRingPages is < 2 or > 64)
            return "A ring has 2 to 64 pages.";
        // Heartbeat, shutdown and echo each take two rings from the guest's ring pool.
        if (2 * (2 * IcRingPages + EchoRingPages) > GuestLayout.RingPoolPages)
            return $"The rings take {2 * (2 * IcRingPages + EchoRingPages)} pages; the guest's ring pool has {GuestLayout.RingPoolPages}.";
        if (EchoPacketSize < 1 || EchoPacketSize > MaxEchoPacketSize)
            return $"An echo packet carries 1 to {MaxEchoPacketSize} bytes with {EchoRingPages}-page rings, not {EchoPacketSize}.";
        return null;
    }
}
