using System;
using System.Collections.Generic;
using HvCall.Abi;

namespace HvCall.Simulation.Faults;

/// <summary>What the faults did in a run, summed over its connections.</summary>
public sealed record FaultActivity
{
    /// <summary>PostMessage attempts the plan refused with INSUFFICIENT_BUFFERS.</summary>
    public long InsufficientBuffers { get; init; }
    /// <summary>PostMessage attempts the plan refused with TIMEOUT.</summary>
    public long Timeouts { get; init; }
    /// <summary>PostMessage retries the guests made (any transient status, full port buffers included).</summary>
    public long Retries { get; init; }
    /// <summary>Replies held back by a non-zero delay.</summary>
    public long RepliesDelayed { get; init; }
    /// <summary>Replies sent before an older reply of another channel.</summary>
    public long RepliesReordered { get; init; }
    /// <summary>Channels rescinded.</summary>
    public long Rescinds { get; init; }
    /// <summary>Echo packets sent on a rescinded channel and never returned (counted as not sent).</summary>
    public long EchoesLostToRescind { get; init; }
    /// <summary>Guest signals lost.</summary>
    public long SignalsLost { get; init; }
    /// <summary>Times a host looked at a sleeping channel unasked.</summary>
    public long Polls { get; init; }
    /// <summary>Echo packets sent.</summary>
    public long EchoesSent { get; init; }
    /// <summary>Echo packets returned intact.</summary>
    public long EchoesReturned { get; init; }

    /// <summary>The sum of two activities.</summary>
    /// <param name="a">One.</param>
    /// <param name="b">The other.</param>
    public static FaultActivity operator +(FaultActivity a, FaultActivity b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new FaultActivity
        {
            InsufficientBuffers = a.InsufficientBuffers + b.InsufficientBuffers,
            Timeouts = a.Timeouts + b.Timeouts,
            Retries = a.Retries + b.Retries,
            RepliesDelayed = a.RepliesDelayed + b.RepliesDelayed,
            RepliesReordered = a.RepliesReordered + b.RepliesReordered,
            Rescinds = a.Rescinds + b.Rescinds,
            EchoesLostToRescind = a.EchoesLostToRescind + b.EchoesLostToRescind,
            SignalsLost = a.SignalsLost + b.SignalsLost,
            Polls = a.Polls + b.Polls,
            EchoesSent = a.EchoesSent + b.EchoesSent,
            EchoesReturned = a.EchoesReturned + b.EchoesReturned,
        };
    }

    /// <summary>One line of counts.</summary>
    public override string ToString() =>
        $"PostMessage refused {InsufficientBuffers} x INSUFFICIENT_BUFFERS + {Timeouts} x TIMEOUT ({Retries} retries); " +
        $"replies delayed {RepliesDelayed}, reordered {RepliesReordered}; rescinds {Rescinds} ({EchoesLostToRescind} echoes not sent); " +
        $"signals lost {SignalsLost}, polls {Polls}; echoes {EchoesReturned}/{EchoesSent}";
}

/// <summary>The result of one fault scenario.</summary>
public sealed record FaultOutcome
{
    /// <summary>The scenario.</summary>
    public required FaultScenarioSpec Spec { get; init; }
    /// <summary>True when the run ended within the step bound.</summary>
    public bool Completed { get; init; }
    /// <summary>Scheduler steps run.</summary>
    public long Steps { get; init; }
    /// <summary>Virtual time at the end, in nanoseconds.</summary>
    public long VirtualTimeNs { get; init; }
    /// <summary>What the faults did.</summary>
    public FaultActivity Activity { get; init; } = new();
    /// <summary>Broken invariants (an escaped exception is one); empty when the scenario passed.</summary>
    public IReadOnlyList<string> Violations { get; init; } = [];
    /// <summary>True when every invariant held.</summary>
    public bool Passed => Violations.Count == 0;
}

/// <summary>Runs fault scenarios: one from a spec or a seed, or a seeded sweep.</summary>
public static class FaultScenario
{
    /// <summary>Runs <paramref name="spec"/> and checks the invariants; an exception that escapes becomes a violation.</summary>
    /// <param name="spec">The scenario.</param>
    public static FaultOutcome Run(FaultScenarioSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        FaultRun? run = null;
        try
        {
            run = new FaultRun(spec);
            run.Execute();
            return new FaultOutcome
            {
                Spec = spec,
                Completed = run.Completed,
                Steps = run.Machine.Scheduler.Steps,
                VirtualTimeNs = run.Machine.Scheduler.Now,
                Activity = ActivityOf(run),
                Violations = FaultInvariants.Check(run),
            };
        }
#pragma warning disable CA1031 // an escaped exception is the invariant "no exception escapes" broken: report it, run the next scenario
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new FaultOutcome
            {
                Spec = spec,
                Steps = run?.Machine.Scheduler.Steps ?? 0,
                Violations = [$"exception: {exception.GetType().Name}: {exception.Message}"],
            };
        }
        finally
        {
            if (run is not null)
                FreeMemory(run.Machine);
        }
    }

    // A sweep builds thousands of machines: give their guest memory back now rather than at finalization.
    private static void FreeMemory(Machines.Machine machine)
    {
        var memories = new HashSet<HvCall.Hypervisor.Memory.GuestMemory> { machine.Host.Memory, machine.Guest.Memory, machine.VmBusPartition.Memory };
        if (machine.L1Vm is { } l1Vm)
            memories.Add(l1Vm.Memory);
        foreach (var guest in machine.L2Guests)
            memories.Add(guest.Partition.Memory);
        foreach (var memory in memories)
            memory.Dispose();
    }

    /// <summary>Draws the scenario of <paramref name="seed"/> and runs it.</summary>
    /// <param name="seed">The seed.</param>
    public static FaultOutcome Run(ulong seed) => Run(FaultScenarioSpec.Draw(seed));

    /// <summary>What the faults did in a finished run.</summary>
    /// <param name="run">The run.</param>
    public static FaultActivity ActivityOf(FaultRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var total = new FaultActivity();
        foreach (var link in run.Connections)
        {
            long retries = 0;
            foreach (var (_, count) in link.Client.PostRetriesByStatus)
                retries += count;
            long polls = 0;
            foreach (var channel in link.Server.ChannelsOpened)
                polls += channel.Polls;
            long lost = 0;
            foreach (var channel in link.Client.Channels)
            {
                if (channel.RescindReceived)
                    lost += link.Ledger.Outstanding(channel.Offer.ChildRelId);
            }
            total += new FaultActivity
            {
                InsufficientBuffers = link.Admission?.Refused.GetValueOrDefault(HvStatus.InsufficientBuffers) ?? 0,
                Timeouts = link.Admission?.Refused.GetValueOrDefault(HvStatus.Timeout) ?? 0,
                Retries = retries,
                RepliesDelayed = link.Faults.RepliesDelayed,
                RepliesReordered = link.Faults.RepliesReordered,
                Rescinds = link.Faults.Rescinds,
                EchoesLostToRescind = lost,
                SignalsLost = link.Faults.SignalsLost,
                Polls = polls,
                EchoesSent = link.Ledger.PacketsSent,
                EchoesReturned = link.Ledger.PacketsReturned,
            };
        }
        return total;
    }
}
