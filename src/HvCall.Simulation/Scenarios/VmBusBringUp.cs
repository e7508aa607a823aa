using System.Collections.Generic;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;

namespace HvCall.Simulation.Scenarios;

/// <summary>The main scenario: VMBus bring-up of the guest code against the VMBus host on L0.</summary>
public static class VmBusBringUp
{
    /// <summary>A bound on scheduler steps; bring-up takes a few hundred.</summary>
    public const long MaxSteps = 500_000;

    /// <summary>Builds a machine, runs bring-up to the end, and reports.</summary>
    /// <param name="options">The machine options.</param>
    /// <exception cref="System.ArgumentException">The options cannot make a machine.</exception>
    public static SimulationReport Run(MachineOptions options) => Run(Machine.Build(options));

    /// <summary>Runs bring-up on an existing machine.</summary>
    /// <param name="machine">A freshly built machine.</param>
    public static SimulationReport Run(Machine machine)
    {
        System.ArgumentNullException.ThrowIfNull(machine);
        var host = new VmBusHost(machine.L0, machine.Host, machine.VmBusPartition);
        var client = new VmBusClient(machine.GuestVps);
        machine.Scheduler.Spawn("vmbus-host", host.Run(), daemon: true);
        foreach (var vp in machine.GuestVps)
            machine.Scheduler.Spawn($"vp{vp.Index}", client.RunVp(vp));
        var completed = machine.Scheduler.Run(MaxSteps);

        var errors = new List<string>(client.Errors);
        foreach (var error in host.Errors)
            errors.Add("host: " + error);
        if (!completed)
            errors.Add($"the guest did not finish within {MaxSteps} steps");
        return new SimulationReport
        {
            Topology = machine.Options.Topology,
            Architecture = machine.Options.Architecture,
            Routing = machine.Options.Routing,
            NestedRouting = machine.Routing.NestedRoot,
            VpCount = machine.Options.VpCount,
            Seed = machine.Options.Seed,
            VmBusConnected = client.Connected,
            VmBusVersion = client.Version,
            Offers = client.Offers,
            SignalsSent = client.SignalsSent,
            EventsReceived = client.EventsReceived,
            Hypercalls = machine.Trace.Entries,
            Failures = machine.Trace.Failures,
            Errors = errors,
            Completed = completed,
            Steps = machine.Scheduler.Steps,
            VirtualTimeNs = machine.Scheduler.Now,
        };
    }
}
