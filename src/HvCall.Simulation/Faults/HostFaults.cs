using System;
using HvCall.Simulation.Scheduling;
using HvCall.Simulation.VmBus;

namespace HvCall.Simulation.Faults;

/// <summary>
/// A <see cref="FaultPlan"/> as one VMBus server (<see cref="VmBusHost.Faults"/>) runs it: draws each reply's delay and
/// the order among due replies from its own seeded stream, decides which guest signal is lost and when the planned
/// channel is rescinded, and counts what it did.
/// </summary>
public sealed class HostFaults
{
    private readonly SplitMix64 _random;
    private bool _signalLost;
    private bool _rescinded;

    internal HostFaults(FaultPlan plan, ulong stream)
    {
        Plan = plan;
        _random = new SplitMix64(plan.Seed ^ (0x5EED_0000_0000_0000 + stream * 0x9E37_79B9));
    }

    /// <summary>The plan.</summary>
    public FaultPlan Plan { get; }

    /// <summary>True when replies may overtake each other across channels.</summary>
    public bool ReorderReplies => Plan.ReorderReplies;

    /// <summary>Host steps a sleeping channel waits before the host looks at it unasked; 0 (never) unless the plan loses a signal.</summary>
    public int PollSteps => Plan.LostSignal is null ? 0 : Math.Max(1, Plan.PollSteps);

    /// <summary>Replies the server sent through the plan's outbox.</summary>
    public long RepliesSent { get; private set; }

    /// <summary>Replies the server held back by a non-zero delay.</summary>
    public long RepliesDelayed { get; private set; }

    /// <summary>Replies sent before an older reply of another channel (reordered).</summary>
    public long RepliesReordered { get; private set; }

    /// <summary>Guest signals lost (0 or 1).</summary>
    public int SignalsLost { get; private set; }

    /// <summary>Channels rescinded (0 or 1).</summary>
    public int Rescinds { get; private set; }

    /// <summary>The relid of the rescinded channel, or null.</summary>
    public uint? RescindedRelId { get; private set; }

    /// <summary>The delay of the next reply, in the server's steps.</summary>
    internal long ReplyDelay()
    {
        if (Plan.MaxReplyDelay <= 0)
            return 0;
        var delay = _random.Next(Plan.MaxReplyDelay + 1);
        if (delay > 0)
            RepliesDelayed++;
        return delay;
    }

    /// <summary>Which of <paramref name="candidates"/> due replies goes next.</summary>
    internal int ChooseReply(int candidates) => candidates <= 1 ? 0 : _random.Next(candidates);

    /// <summary>A reply went to the guest; <paramref name="overtook"/> when an older reply was still waiting.</summary>
    internal void Sent(bool overtook)
    {
        RepliesSent++;
        if (overtook)
            RepliesReordered++;
    }

    /// <summary>True (once) for the planned signal: the host ignores it.</summary>
    internal bool LosesSignal(Guid device, long signalNumber)
    {
        if (_signalLost || Plan.LostSignal is not { } lost || lost.Device != device || lost.Signal != signalNumber)
            return false;
        _signalLost = true;
        SignalsLost++;
        return true;
    }

    /// <summary>True (once) when the planned channel has been read far enough to be rescinded now.</summary>
    internal bool RescindsNow(Guid device, long packetsReceived) =>
        !_rescinded && Plan.Rescind is { } rescind && rescind.Device == device && packetsReceived >= rescind.AfterPackets;

    /// <summary>The server rescinded channel <paramref name="relId"/>.</summary>
    internal void Rescinded(uint relId)
    {
        _rescinded = true;
        Rescinds++;
        RescindedRelId = relId;
    }
}
