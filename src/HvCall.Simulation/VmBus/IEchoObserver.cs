using System;

namespace HvCall.Simulation.VmBus;

/// <summary>
/// Watches the echo traffic of a guest client from outside the guest: each packet as the guest wrote it into its
/// outbound ring and each echo as the guest read it from its inbound ring, before the guest checks it. A fault run's
/// ledger (<see cref="Faults.EchoLedger"/>) uses it to prove that every packet came back exactly once and intact.
/// </summary>
public interface IEchoObserver
{
    /// <summary>The guest wrote echo packet <paramref name="transactionId"/> on channel <paramref name="relId"/>.</summary>
    /// <param name="relId">The channel.</param>
    /// <param name="transactionId">The packet's transaction id.</param>
    /// <param name="payload">The payload as written.</param>
    void Sent(uint relId, ulong transactionId, ReadOnlySpan<byte> payload);

    /// <summary>The guest read an echo with transaction id <paramref name="transactionId"/> on channel <paramref name="relId"/>.</summary>
    /// <param name="relId">The channel.</param>
    /// <param name="transactionId">The transaction id the descriptor carried.</param>
    /// <param name="payload">The payload as read.</param>
    void Received(uint relId, ulong transactionId, ReadOnlySpan<byte> payload);
}
