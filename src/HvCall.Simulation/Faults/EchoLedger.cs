using System;
using System.Collections.Generic;
using HvCall.Simulation.VmBus;

namespace HvCall.Simulation.Faults;

/// <summary>
/// An independent account of one client's echo traffic: for each packet the guest sent, a checksum of the bytes it
/// wrote (FNV-1a over length and payload, nothing the guest's own check uses), and for each echo it read, whether
/// the id was sent, came back once, and with the same checksum.
/// </summary>
public sealed class EchoLedger : IEchoObserver
{
    private readonly Dictionary<(uint RelId, ulong Id), Entry> _entries = [];
    private readonly List<string> _violations = [];

    /// <summary>What the ledger saw that must not happen (an echo never sent, a second copy, other bytes).</summary>
    public IReadOnlyList<string> Violations => _violations;

    /// <summary>Packets sent, all channels.</summary>
    public long PacketsSent { get; private set; }

    /// <summary>Echoes read that matched a sent packet the first time, all channels.</summary>
    public long PacketsReturned { get; private set; }

    /// <inheritdoc/>
    public void Sent(uint relId, ulong transactionId, ReadOnlySpan<byte> payload)
    {
        if (!_entries.TryAdd((relId, transactionId), new Entry(Checksum(payload))))
            _violations.Add($"channel {relId}: packet {transactionId} sent twice");
        PacketsSent++;
    }

    /// <inheritdoc/>
    public void Received(uint relId, ulong transactionId, ReadOnlySpan<byte> payload)
    {
        if (!_entries.TryGetValue((relId, transactionId), out var entry))
        {
            _violations.Add($"channel {relId}: an echo of packet {transactionId}, which was never sent");
            return;
        }
        entry.Returns++;
        if (entry.Returns > 1)
            _violations.Add($"channel {relId}: packet {transactionId} came back {entry.Returns} times");
        else if (Checksum(payload) != entry.Checksum)
            _violations.Add($"channel {relId}: packet {transactionId} came back with other bytes ({payload.Length} bytes)");
        else
            PacketsReturned++;
    }

    /// <summary>True when the guest sent packet <paramref name="transactionId"/> on <paramref name="relId"/> with exactly these bytes.</summary>
    /// <param name="relId">The channel.</param>
    /// <param name="transactionId">The packet's transaction id.</param>
    /// <param name="payload">Bytes found somewhere (a ring, an echo).</param>
    public bool WasSent(uint relId, ulong transactionId, ReadOnlySpan<byte> payload) =>
        _entries.TryGetValue((relId, transactionId), out var entry) && entry.Checksum == Checksum(payload);

    /// <summary>Packets of channel <paramref name="relId"/> sent and never returned.</summary>
    /// <param name="relId">The channel.</param>
    public long Outstanding(uint relId)
    {
        long count = 0;
        foreach (var ((channel, _), entry) in _entries)
        {
            if (channel == relId && entry.Returns == 0)
                count++;
        }
        return count;
    }

    /// <summary>Packets of channel <paramref name="relId"/> sent.</summary>
    /// <param name="relId">The channel.</param>
    public long SentOn(uint relId)
    {
        long count = 0;
        foreach (var (channel, _) in _entries.Keys)
        {
            if (channel == relId)
                count++;
        }
        return count;
    }

    private static ulong Checksum(ReadOnlySpan<byte> payload)
    {
        var hash = 0xCBF2_9CE4_8422_2325UL ^ (ulong)payload.Length;
        foreach (var b in payload)
            hash = (hash ^ b) * 0x0100_0000_01B3UL;
        return hash;
    }

    private sealed class Entry(ulong checksum)
    {
        public ulong Checksum { get; } = checksum;
        public int Returns { get; set; }
    }
}
