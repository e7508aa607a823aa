using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Ports;

namespace HvCall.Simulation.Faults;

/// <summary>
/// The admission of a VMBus message port under a fault plan: attempt numbers inside a <see cref="PostStorm"/> are
/// answered with the storm's status (INSUFFICIENT_BUFFERS or TIMEOUT) and nothing is queued, as a VMM whose port cannot
/// take a message now answers (host-implementations.md §7: OpenVMM's port map returns INSUFFICIENT_BUFFERS, and notes
/// that Hyper-V's VMBus "sometimes (in Azure?)" returns TIMEOUT "to force the guest to retry").
/// </summary>
/// <remarks>
/// Set as the port's <see cref="Port.Admission"/>: the hypervisor asks it after the connection and the port resolve
/// and before the buffers, so the guest sees the status in RAX as it would from the real host; guest and hypervisor
/// code do not change.
/// </remarks>
public sealed class PostMessageFaults : IHostPortAdmission
{
    private readonly IReadOnlyList<PostStorm> _storms;
    private readonly Dictionary<HvStatus, long> _refused = [];

    /// <summary>An admission with the given storms.</summary>
    /// <param name="storms">The storms, by attempt number.</param>
    public PostMessageFaults(IReadOnlyList<PostStorm> storms)
    {
        ArgumentNullException.ThrowIfNull(storms);
        _storms = storms;
    }

    /// <summary>Attempts the port saw (taken or refused).</summary>
    public long Attempts { get; private set; }

    /// <summary>Attempts refused, by status.</summary>
    public IReadOnlyDictionary<HvStatus, long> Refused => _refused;

    /// <summary>Attempts refused in all.</summary>
    public long RefusedTotal { get; private set; }

    /// <inheritdoc/>
    public HvStatus Admit(Port port, ReadOnlySpan<byte> payload)
    {
        var attempt = ++Attempts;
        foreach (var storm in _storms)
        {
            if (attempt >= storm.FirstAttempt && attempt < storm.FirstAttempt + storm.Length)
            {
                _refused[storm.Status] = _refused.GetValueOrDefault(storm.Status) + 1;
                RefusedTotal++;
                return storm.Status;
            }
        }
        return HvStatus.Success;
    }
}
