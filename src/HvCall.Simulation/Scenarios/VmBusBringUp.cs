using System;
using System.Collections.Generic;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using HvCall.VmBus.Ic;

namespace HvCall.Simulation.Scenarios;

/// <summary>
/// The main scenario: the guest's VMBus client against the VMBus server on L0: bring-up, every channel a guest
/// driver exists for opened over a GPADL, heartbeat rounds, shutdown negotiation, an echo burst, close, unload. On
/// the nested machine with L2 guests, the root is at once that client of L0 and the VMBus host of its guests
/// (<see cref="RootVmBusHosting"/>), each of which runs the same client.
/// </summary>
public static class VmBusBringUp
{
    /// <summary>A bound on scheduler steps; the default run takes a few thousand.</summary>
    public const long MaxSteps = 5_000_000;

    /// <summary>Builds a machine, runs the scenario to the end, and reports.</summary>
    /// <param name="options">The machine options (<see cref="Scenario.RoutingNone"/> switches its routing off).</param>
    /// <param name="workload">What the devices do, or null for the defaults.</param>
    /// <param name="scenario">The scenario.</param>
    /// <exception cref="ArgumentException">The options or the workload cannot make a run.</exception>
    public static SimulationReport Run(MachineOptions options, ChannelWorkload? workload = null, Scenario scenario = Scenario.Default)
    {
        ArgumentNullException.ThrowIfNull(options);
        workload ??= new ChannelWorkload();
        if (workload.Validate() is { } problem)
            throw new ArgumentException(problem);
        if (scenario == Scenario.NaiveRoot && options.L2GuestCount == 0)
            throw new ArgumentException("The naive-root scenario needs L2 guests for the root to serve (the nested topology with at least one).");
        return Run(Machine.Build(OptionsFor(options, scenario)), workload, scenario);
    }

    /// <summary>The options a scenario's machine is built from: <see cref="Scenario.RoutingNone"/> switches the routing off.</summary>
    /// <param name="options">The machine options asked for.</param>
    /// <param name="scenario">The scenario.</param>
    public static MachineOptions OptionsFor(MachineOptions options, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(options);
        return scenario == Scenario.RoutingNone ? options with { Routing = RoutingMode.None } : options;
    }

    /// <summary>Runs the scenario on an existing machine: L0's host and the guest's client, and on a nested machine with L2 guests the root's hosting and the guests' clients.</summary>
    /// <param name="machine">A freshly built machine.</param>
    /// <param name="workload">What the devices do, or null for the defaults.</param>
    /// <param name="scenario">The scenario (naive-root changes how the root reaches its guests).</param>
    public static SimulationReport Run(Machine machine, ChannelWorkload? workload = null, Scenario scenario = Scenario.Default)
    {
        ArgumentNullException.ThrowIfNull(machine);
        workload ??= new ChannelWorkload();
        var host = new VmBusHost(machine.L0, machine.Host, machine.VmBusPartition, workload);
        var client = new VmBusClient(machine.GuestVps, machine.GuestPages, workload);
        RootVmBusHosting? hosting = null;
        var children = new List<VmBusClient>();
        if (machine.L2Guests.Count > 0)
        {
            hosting = new RootVmBusHosting(machine.Primary, machine.L2Guests, workload,
                scenario == Scenario.NaiveRoot ? RootCallSites.NaivePorts : RootCallSites.Direct);
            machine.Scheduler.Spawn("root-vmbus-host", hosting.Run(), daemon: true);
            foreach (var guest in machine.L2Guests)
            {
                var child = new VmBusClient(guest.Vps, guest.Pages, workload);
                children.Add(child);
                foreach (var vp in guest.Vps)
                    machine.Scheduler.Spawn($"{guest.Name}/vp{vp.Index}", AfterHostReady(hosting, child.RunVp(vp)));
            }
        }
        var completed = Run(machine, host, client);
        return Report(machine, host, client, completed) with
        {
            Scenario = scenario == Scenario.Default && machine.Options.Routing == RoutingMode.None ? Scenario.RoutingNone : scenario,
            Children = ChildReports(machine, hosting, children),
            Errors = Errors(machine, host, client, hosting, children, completed),
        };
    }

    // An L2 guest starts once its VMM (the root) has connected it, as a VM is started only after its host is ready.
    private static IEnumerable<object?> AfterHostReady(RootVmBusHosting hosting, IEnumerable<object?> body)
    {
        while (!hosting.Ready)
            yield return null;
        foreach (var step in body)
            yield return step;
    }
    /// <summary>Spawns the host and the guest VPs on the machine's scheduler and runs them to the end.</summary>
    /// <param name="machine">The machine.</param>
    /// <param name="host">The VMBus server.</param>
    /// <param name="client">The guest client.</param>
    /// <returns>True when every guest VP finished within <see cref="MaxSteps"/>.</returns>
    public static bool Run(Machine machine, VmBusHost host, VmBusClient client)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(client);
        machine.Scheduler.Spawn("vmbus-host", host.Run(), daemon: true);
        foreach (var vp in machine.GuestVps)
            machine.Scheduler.Spawn($"vp{vp.Index}", client.RunVp(vp));
        return machine.Scheduler.Run(MaxSteps);
    }

    /// <summary>The report of a finished run.</summary>
    /// <param name="machine">The machine.</param>
    /// <param name="host">The VMBus server.</param>
    /// <param name="client">The guest client.</param>
    /// <param name="completed">Whether every guest VP finished.</param>
    public static SimulationReport Report(Machine machine, VmBusHost host, VmBusClient client, bool completed)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(client);
        var summary = ChannelSummary.Of(client, host);
        return new SimulationReport
        {
            Topology = machine.Options.Topology,
            Architecture = machine.Options.Architecture,
            L0Profile = machine.L0.Profile,
            Routing = machine.Options.Routing,
            NestedRouting = machine.Routing.NestedRoot,
            VpCount = machine.Options.VpCount,
            Seed = machine.Options.Seed,
            Workload = client.Workload,
            VmBusConnected = client.Connected,
            VmBusVersion = client.Version,
            Offers = client.Offers,
            Channels = summary.Channels,
            Heartbeats = summary.Heartbeats,
            ShutdownVersion = summary.ShutdownVersion,
            EchoesVerified = summary.EchoesVerified,
            Unloaded = client.Unloaded,
            Hypercalls = machine.Trace.Entries,
            Failures = machine.Trace.Failures,
            Errors = Errors(machine, host, client, null, [], completed),
            Completed = completed,
            Steps = machine.Scheduler.Steps,
            VirtualTimeNs = machine.Scheduler.Now,
        };
    }

    private static List<ChildReport> ChildReports(Machine machine, RootVmBusHosting? hosting, List<VmBusClient> children)
    {
        var reports = new List<ChildReport>();
        for (var i = 0; i < children.Count; i++)
        {
            var summary = ChannelSummary.Of(children[i], hosting!.Servers[i]);
            reports.Add(new ChildReport
            {
                Partition = machine.L2Guests[i].Name,
                VmBusConnected = children[i].Connected,
                VmBusVersion = children[i].Version,
                Offers = children[i].Offers.Count,
                Channels = summary.Channels,
                Heartbeats = summary.Heartbeats,
                EchoesVerified = summary.EchoesVerified,
                Unloaded = children[i].Unloaded,
            });
        }
        return reports;
    }

    // Guest side first, then the servers; each line says whose it is.
    private static List<string> Errors(Machine machine, VmBusHost host, VmBusClient client, RootVmBusHosting? hosting,
        List<VmBusClient> children, bool completed)
    {
        var errors = new List<string>(client.Errors);
        foreach (var error in host.Errors)
            errors.Add("host: " + error);
        for (var i = 0; i < children.Count; i++)
        {
            var name = machine.L2Guests[i].Name;
            foreach (var error in children[i].Errors)
                errors.Add($"{name}: {error}");
            foreach (var error in hosting!.Transports[i].Errors)
                errors.Add($"root, serving {name}: {error}");
            foreach (var error in hosting.Servers[i].Errors)
                errors.Add($"root, serving {name}: {error}");
        }
        if (hosting is not null)
        {
            foreach (var error in hosting.Errors)
                errors.Add("root: " + error);
        }
        if (!completed)
            errors.Add($"the guests did not finish within {MaxSteps} steps");
        return errors;
    }
}
