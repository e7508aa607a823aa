using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using HvCall.Abi;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Profiles;
using HvCall.Simulation.Machines;

namespace HvCall.Simulation.Conformance;

/// <summary>
/// One conformance case: a raw hypercall with one fault in it (or none), issued on a fresh machine whose L0 answers as a
/// host profile. Run against every profile it gives one row of the matrix <c>hvcall conformance</c> prints.
/// </summary>
/// <remarks>
/// host-implementations.md §1.9 (one row of the table of differences per case at least) and §2.1-§2.2 (PostMessage and
/// SignalEvent statuses); each case cites its row or section in <see cref="Source"/>. The list: <see cref="ConformanceCases"/>.
/// </remarks>
/// <param name="Name">A short kebab-case name, unique in the list.</param>
/// <param name="Description">One line: the call and the fault in it.</param>
/// <param name="Source">The row or section of host-implementations.md the case comes from.</param>
/// <param name="Request">The call, issued by VP 0 of the caller through <see cref="RawHypercall"/>.</param>
public sealed record ConformanceCase(string Name, string Description, string Source, RawCallRequest Request)
{
    /// <summary>Flat (default): a guest partition of L0 calls; nested: L1's root partition calls, through an L1 Hyper-V
    /// that hands its nested-bit calls to L0 (host-implementations.md §3).</summary>
    public Topology Topology { get; init; } = Topology.Flat;

    /// <summary>True to run every profile with <see cref="HostProfile.EnforceCpuid"/> on (KVM's
    /// <c>KVM_CAP_HYPERV_ENFORCE_CPUID</c>, §4.3); a profile whose enforcement does not depend on it is unchanged.</summary>
    public bool EnforceCpuid { get; init; }

    /// <summary>Privileges taken from the caller before the call (<see cref="HvPartitionPrivileges.None"/>: none).</summary>
    public HvPartitionPrivileges RevokedPrivileges { get; init; }

    /// <summary>How many times the same call is issued before the one whose outcome is recorded (the queue-full case
    /// fills a port's 16 buffers first, §2.3).</summary>
    public int PrecedingCalls { get; init; }
}

/// <summary>
/// Runs <see cref="ConformanceCase"/>s: each case against each profile on a fresh machine, through
/// <see cref="RawHypercall.Issue(HvCall.Hypervisor.Partitions.Partition, RawCallRequest)"/>.
/// </summary>
/// <remarks>
/// Every machine gets the same two ports on L0, owned by the host (root) partition as a VMM's VMBus server owns its
/// ports, and connected from the partition L0 sees calling (the flat guest, or on the nested machine the L1 VM that
/// forwards its root's calls): a message port under <see cref="MessageConnection"/> whose messages nobody takes (so its
/// 16 buffers fill, TLFS "Message Buffers"), and an event port with <see cref="EventFlagCount"/> flag under
/// <see cref="EventConnection"/>. A case's only fault is then the one it names; with none, a host answers SUCCESS.
/// </remarks>
public static class ConformanceRunner
{
    /// <summary>The connection id of L0's message port (VMBus's connection id 4).</summary>
    public const uint MessageConnection = 4;

    /// <summary>The connection id of L0's event port.</summary>
    public const uint EventConnection = 0x2001;

    /// <summary>The number of flags of L0's event port (flag 0 only).</summary>
    public const ushort EventFlagCount = 1;

    /// <summary>A connection id nothing is connected under.</summary>
    public const uint UnknownConnection = 0x999;

    private const uint MessagePortId = 1;
    private const uint EventPortId = 2;

    /// <summary>Runs <paramref name="cases"/> (default <see cref="ConformanceCases.All"/>) against <paramref name="profiles"/>
    /// (default <see cref="HostProfiles.All"/>), in their order.</summary>
    /// <param name="cases">The cases.</param>
    /// <param name="profiles">The profiles (columns).</param>
    public static ConformanceMatrix Run(IReadOnlyList<ConformanceCase>? cases = null, IReadOnlyList<HostProfile>? profiles = null)
    {
        var caseList = cases ?? ConformanceCases.All;
        var profileList = profiles?.ToImmutableArray() ?? HostProfiles.All;
        var rows = ImmutableArray.CreateBuilder<ConformanceRow>(caseList.Count);
        foreach (var conformanceCase in caseList)
        {
            var outcomes = ImmutableArray.CreateBuilder<RawCallOutcome>(profileList.Length);
            foreach (var profile in profileList)
                outcomes.Add(Run(conformanceCase, profile));
            rows.Add(new ConformanceRow(conformanceCase, outcomes.MoveToImmutable()));
        }
        return new ConformanceMatrix(profileList, rows.MoveToImmutable());
    }

    /// <summary>Runs one case against one profile on a fresh machine and returns the outcome of its recorded call.</summary>
    /// <param name="conformanceCase">The case.</param>
    /// <param name="profile">The profile L0 answers as.</param>
    /// <exception cref="ArgumentException">The profile cannot run the case's machine (an x86-only host on ARM64).</exception>
    public static RawCallOutcome Run(ConformanceCase conformanceCase, HostProfile profile)
    {
        ArgumentNullException.ThrowIfNull(conformanceCase);
        ArgumentNullException.ThrowIfNull(profile);
        var options = new MachineOptions
        {
            Topology = conformanceCase.Topology,
            L0Profile = conformanceCase.EnforceCpuid ? profile with { EnforceCpuid = true } : profile,
        };
        var machine = Machine.Build(options);
        var sink = new SilentSink();
        Require(machine.L0.CreateHostPort(machine.Host, MessagePortId, PortType.Message, sink), "message port");
        Require(machine.L0.ConnectPort(machine.VmBusPartition, MessageConnection, machine.Host, MessagePortId), "message connection");
        Require(machine.L0.CreateHostPort(machine.Host, EventPortId, PortType.Event, sink, EventFlagCount), "event port");
        Require(machine.L0.ConnectPort(machine.VmBusPartition, EventConnection, machine.Host, EventPortId), "event connection");
        if (!RawHypercall.TryGetCaller(machine, RawCaller.Default, out var caller, out var error))
            throw new ArgumentException(error, nameof(conformanceCase));
        caller.Privileges &= ~conformanceCase.RevokedPrivileges;
        for (var i = 0; i < conformanceCase.PrecedingCalls; i++)
            RawHypercall.Issue(caller, conformanceCase.Request);
        return RawHypercall.Issue(caller, conformanceCase.Request);
    }

    private static void Require(HvStatus status, string what)
    {
        if (status != HvStatus.Success)
            throw new InvalidOperationException($"Setting up the conformance machine's {what} failed: {HvStatusNames.TlfsName(status)}.");
    }

    /// <summary>Host code that takes nothing: messages stay queued, events are dropped.</summary>
    private sealed class SilentSink : IHostPortSink
    {
        public void OnMessage(Port port)
        {
        }

        public void OnEvent(Port port, ushort flagNumber)
        {
        }
    }
}

/// <summary>One row of a <see cref="ConformanceMatrix"/>: a case and its outcome under each profile, in column order.</summary>
/// <param name="Case">The case.</param>
/// <param name="Outcomes">One outcome per profile of the matrix.</param>
public sealed record ConformanceRow(ConformanceCase Case, ImmutableArray<RawCallOutcome> Outcomes);

/// <summary>Cases × profiles → outcomes (host-implementations.md §1.9, §2, as HvCall's profiles answer them).</summary>
/// <param name="Profiles">The columns.</param>
/// <param name="Rows">The rows, in case order.</param>
public sealed record ConformanceMatrix(ImmutableArray<HostProfile> Profiles, ImmutableArray<ConformanceRow> Rows);
