using System;
using System.Collections.Generic;
using HvCall.VmBus.Rings;

namespace HvCall.Simulation.VmBus;

public sealed partial class GuestChannel
{
    /// <summary>Echo packets whose payload came back unchanged, in order.</summary>
    public long EchoesVerified { get; private set; }

    /// <summary>
    /// The echo sender: writes as many packets as fit, commits once (one signal at most, and only when the host's
    /// ring was empty and unmasked), and on each host interrupt drains the inbound ring with its interrupt mask set
    /// (Linux's batched mode: mask, read, commit, unmask and look again). A full outbound ring arms
    /// pending_send_sz and waits for the host's "space available" signal.
    /// </summary>
    private IEnumerable<object?> RunEcho()
    {
        var workload = _client.Workload;
        var total = workload.EchoPackets;
        var size = workload.EchoPacketSize;
        var payload = new byte[size];
        var received = new byte[_incoming!.DataSize];
        // A packet carries its length in 8-byte units (len8): the echo comes back padded to 8 (vmbus-datapath.md §4).
        var padded = (size + 7) & ~7;
        long sent = 0;
        var blocked = false;
        while (EchoesVerified < total && !RescindReceived)
        {
            var progressed = false;
            if (!blocked)
            {
                while (sent < total)
                {
                    EchoPattern.Fill(payload, (ulong)sent + 1);
                    var status = _outgoing!.TryWrite(VmBusPacketType.DataInBand, (ulong)sent + 1, payload);
                    if (status == RingStatus.Full)
                    {
                        blocked = !_outgoing.ArmPendingSend(OutgoingRing.PacketBytes(size));
                        if (blocked)
                            break;
                        continue;
                    }
                    if (status != RingStatus.Ok)
                    {
                        Fail($"writing an echo packet: {status}");
                        yield break;
                    }
                    _client.EchoObserver?.Sent(Offer.ChildRelId, (ulong)sent + 1, payload);
                    sent++;
                    PacketsSent++;
                    progressed = true;
                }
                CommitSends();
            }
            if (TakeInterrupt())
            {
                _incoming.MaskInterrupts();
                do
                {
                    while (true)
                    {
                        var status = _incoming.TryRead(received, out var descriptor, out var length);
                        if (status == RingStatus.Empty)
                            break;
                        if (status != RingStatus.Ok)
                        {
                            Fail($"reading an echo packet: {status}");
                            yield break;
                        }
                        PacketsReceived++;
                        _client.EchoObserver?.Received(Offer.ChildRelId, descriptor.TransactionId, received.AsSpan(0, Math.Min(length, size)));
                        var expected = (ulong)EchoesVerified + 1;
                        if (descriptor.TransactionId != expected || length != padded || !EchoPattern.Matches(received.AsSpan(0, size), expected))
                        {
                            Fail($"echo {expected} came back wrong: transaction {descriptor.TransactionId}, {length} bytes for {size} padded to {padded}, or other bytes");
                            yield break;
                        }
                        EchoesVerified++;
                        progressed = true;
                    }
                    CommitReceives();
                }
                while (_incoming.UnmaskInterrupts());
                if (blocked)
                {
                    // Room may be back: clear pending_send_sz and write again next step.
                    _outgoing!.ClearPendingSend();
                    blocked = false;
                }
            }
            if (progressed)
                Busy();
            else if (!Idle("echo packets"))
                yield break;
            yield return null;
        }
    }
}

/// <summary>The payload of echo packet <i>n</i>: a byte pattern derived from its transaction id, so a lost, duplicated or reordered packet shows.</summary>
internal static class EchoPattern
{
    public static void Fill(Span<byte> payload, ulong transactionId)
    {
        for (var i = 0; i < payload.Length; i++)
            payload[i] = (byte)(transactionId * 0x9E + (ulong)i * 7);
    }

    public static bool Matches(ReadOnlySpan<byte> payload, ulong transactionId)
    {
        for (var i = 0; i < payload.Length; i++)
        {
            if (payload[i] != (byte)(transactionId * 0x9E + (ulong)i * 7))
                return false;
        }
        return true;
    }
}
