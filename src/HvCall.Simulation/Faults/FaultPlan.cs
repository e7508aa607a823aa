using System;
using System.Collections.Generic;
using System.Text;
using HvCall.Abi;
using HvCall.Simulation.Scheduling;
using HvCall.Simulation.VmBus;
using HvCall.VmBus;

namespace HvCall.Simulation.Faults;

/// <summary>
/// <paramref name="Length"/> consecutive HvCallPostMessage attempts that reach the VMBus host's message port, from
/// attempt number <paramref name="FirstAttempt"/> (1 = the guest's first), answered with <paramref name="Status"/>
/// and not delivered.
/// </summary>
/// <param name="FirstAttempt">The first refused attempt, counted over every attempt the port saw (all VPs, retries included).</param>
/// <param name="Length">How many consecutive attempts are refused.</param>
/// <param name="Status">INSUFFICIENT_BUFFERS or TIMEOUT.</param>
public sealed record PostStorm(long FirstAttempt, int Length, HvStatus Status);

/// <summary>The host rescinds the channel of <paramref name="Device"/> once it has read <paramref name="AfterPackets"/> packets from it.</summary>
/// <param name="Device">The offer's interface type (echo or heartbeat in drawn plans).</param>
/// <param name="AfterPackets">Packets the host has read from the guest before it rescinds (the channel must still be open then).</param>
public sealed record RescindFault(Guid Device, long AfterPackets);

/// <summary>The host loses guest signal number <paramref name="Signal"/> (1 = the first) on the channel of <paramref name="Device"/>.</summary>
/// <param name="Device">The offer's interface type.</param>
/// <param name="Signal">Which of the channel's HvCallSignalEvents is lost.</param>
public sealed record LostSignalFault(Guid Device, long Signal);

/// <summary>
/// A seeded description of how a VMBus host misbehaves in one run: replies delayed by up to
/// <see cref="MaxReplyDelay"/> of the server's steps and reordered across channels, the guest's HvCallPostMessage
/// answered with INSUFFICIENT_BUFFERS or TIMEOUT storms, a channel rescinded in the middle of its traffic, one guest
/// signal lost. The plan is data: every choice made while it runs comes from SplitMix64 streams seeded from
/// <see cref="Seed"/>, so the same plan on the same machine gives the same faults and the same outcome.
/// </summary>
/// <remarks>docs/machine-model.md, "Fault injection", says what each fault does and how both ends react.</remarks>
public sealed record FaultPlan
{
    /// <summary>Host steps a channel may sleep, with a lost signal planned, before the host looks at its ring unasked (the default polling interval).</summary>
    public const int DefaultPollSteps = 200;

    /// <summary>A plan with no fault: a host with it behaves as one without a plan, but its replies go through the plan's outbox.</summary>
    public static FaultPlan None { get; } = new();

    /// <summary>The seed of the plan's random streams (reply delays, the order among due replies).</summary>
    public ulong Seed { get; init; }

    /// <summary>The largest delay of a reply in the server's own steps (each reply draws 0 to this); 0 sends each reply at the first chance.</summary>
    public int MaxReplyDelay { get; init; }

    /// <summary>True to let due replies of different channels overtake each other (each channel's replies and the connection's keep their order).</summary>
    public bool ReorderReplies { get; init; }

    /// <summary>PostMessage storms, by attempt number.</summary>
    public IReadOnlyList<PostStorm> PostStorms { get; init; } = [];

    /// <summary>The channel rescinded mid-traffic, or null.</summary>
    public RescindFault? Rescind { get; init; }

    /// <summary>The guest signal lost, or null.</summary>
    public LostSignalFault? LostSignal { get; init; }

    /// <summary>
    /// With <see cref="LostSignal"/>: host steps a channel sleeps before the host looks at its incoming ring without a
    /// signal (its recovery). Ignored without a lost signal: such a host waits for signals as a correct host does.
    /// </summary>
    public int PollSteps { get; init; } = DefaultPollSteps;

    /// <summary>True when the plan injects nothing.</summary>
    public bool IsEmpty => MaxReplyDelay == 0 && !ReorderReplies && PostStorms.Count == 0 && Rescind is null && LostSignal is null;

    /// <summary>
    /// Draws a plan from <paramref name="seed"/> for a run of <paramref name="workload"/>: each fault kind is present
    /// or not by a draw, so a sweep mixes them. Storms total at most <see cref="MaxStormAttempts"/> refused attempts,
    /// which keeps Linux's back-off (1, 2, 4 … µs) short and every post far below its 100 tries.
    /// </summary>
    /// <param name="seed">The seed.</param>
    /// <param name="workload">The run's workload (where a rescind can fall).</param>
    public static FaultPlan Draw(ulong seed, ChannelWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var random = new SplitMix64(seed ^ 0xFA17_FA17_FA17_FA17);
        var delay = random.Next(4) == 0 ? 0 : 1 + random.Next(40);
        var reorder = random.Next(2) == 0;
        var storms = new List<PostStorm>();
        if (random.Next(5) < 3)
        {
            var budget = MaxStormAttempts;
            var attempt = 1L + random.Next(12);
            var count = 1 + random.Next(3);
            for (var i = 0; i < count && budget > 0; i++)
            {
                var length = 1 + random.Next(Math.Min(budget, 8));
                budget -= length;
                storms.Add(new PostStorm(attempt, length, random.Next(2) == 0 ? HvStatus.InsufficientBuffers : HvStatus.Timeout));
                attempt += length + 1 + random.Next(25);
            }
        }
        RescindFault? rescind = null;
        if (random.Next(5) < 2)
        {
            var echo = workload.EchoPackets > 0 && (workload.HeartbeatRounds == 0 || random.Next(4) != 0);
            rescind = echo
                ? new RescindFault(VmBusDevices.Echo, 1 + random.Next(workload.EchoPackets))
                : new RescindFault(VmBusDevices.Heartbeat, 1 + random.Next(workload.HeartbeatRounds + 1));
        }
        LostSignalFault? lost = null;
        if (random.Next(2) == 0)
        {
            var device = workload.EchoPackets > 0 && random.Next(3) != 0 ? VmBusDevices.Echo : VmBusDevices.Heartbeat;
            lost = new LostSignalFault(device, 1 + random.Next(3));
        }
        return new FaultPlan
        {
            Seed = seed,
            MaxReplyDelay = delay,
            ReorderReplies = reorder,
            PostStorms = storms,
            Rescind = rescind,
            LostSignal = lost,
            PollSteps = 50 + random.Next(DefaultPollSteps),
        };
    }

    /// <summary>The most PostMessage attempts a drawn plan refuses in all.</summary>
    public const int MaxStormAttempts = 12;

    /// <summary>The host-side state of this plan for one VMBus server; <paramref name="stream"/> tells servers of one run apart.</summary>
    /// <param name="stream">0 for L0's server, 1 + <i>c</i> for the nested root's server of guest <i>c</i>.</param>
    public HostFaults ForHost(ulong stream = 0) => new(this, stream);

    /// <summary>The PostMessage admission of this plan's storms, for one message port.</summary>
    public PostMessageFaults ForPort() => new(PostStorms);

    /// <summary>One line: the faults in the plan.</summary>
    public override string ToString()
    {
        if (IsEmpty)
            return "no faults";
        var text = new StringBuilder();
        if (MaxReplyDelay > 0 || ReorderReplies)
            text.Append($"replies delayed 0-{MaxReplyDelay} steps{(ReorderReplies ? ", reordered across channels" : "")}; ");
        foreach (var storm in PostStorms)
            text.Append($"PostMessage attempts {storm.FirstAttempt}-{storm.FirstAttempt + storm.Length - 1} answered {HvStatusNames.TlfsName(storm.Status)}; ");
        if (Rescind is { } rescind)
            text.Append($"{VmBusDevices.NameOf(rescind.Device)} rescinded after {rescind.AfterPackets} packets; ");
        if (LostSignal is { } lost)
            text.Append($"{VmBusDevices.NameOf(lost.Device)} signal {lost.Signal} lost (host polls every {PollSteps} steps); ");
        return text.ToString(0, text.Length - 2);
    }
}
