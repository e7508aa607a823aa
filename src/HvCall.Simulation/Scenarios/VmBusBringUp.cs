using System;
using System.Collections.Generic;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using HvCall.VmBus.Ic;

namespace HvCall.Simulation.Scenarios;

/// <summary>
/// The main scenario: the guest's VMBus client against the VMBus server on L0: bring-up, every channel a guest
/// driver exists for opened over a GPADL, heartbeat rounds, shutdown negotiation, an echo burst, close, unload.
/// </summary>
public static class VmBusBringUp
{
    /// <summary>A bound on scheduler steps; the default run takes a few thousand.</summary>
    public const long MaxSteps = 5_000_000;

    /// <summary>Builds a machine, runs the scenario to the end, and reports.</summary>
    /// <param name="options">The machine options.</param>
    /// <param name="workload">What the devices do, or null for the defaults.</param>
    /// <exception cref="ArgumentException">The options or the workload cannot make a run.</exception>
    public static SimulationReport Run(MachineOptions options, ChannelWorkload? workload = null)
    {
        workload ??= new ChannelWorkload();
        if (workload.Validate() is { } problem)
            throw new ArgumentException(problem);
        return Run(Machine.Build(options), workload);
    }

    /// <summary>Runs the scenario on an existing machine.</summary>
    /// <param name="machine">A freshly built machine.</param>
    /// <param name="workload">What the devices do, or null for the defaults.</param>
    public static SimulationReport Run(Machine machine, ChannelWorkload? workload = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        workload ??= new ChannelWorkload();
        var host = new VmBusHost(machine.L0, machine.Host, machine.VmBusPartition, workload);
        var client = new VmBusClient(machine.GuestVps, machine.GuestPages, workload);
        var completed = Run(machine, host, client);
        return Report(machine, host, client, completed);
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
        var errors = new List<string>(client.Errors);
        foreach (var error in host.Errors)
            errors.Add("host: " + error);
        if (!completed)
            errors.Add($"the guest did not finish within {MaxSteps} steps");
        var channels = new List<ChannelReport>();
        var heartbeats = 0;
        string? shutdownVersion = null;
        long echoes = 0;
        foreach (var channel in client.Channels)
        {
            var hosted = LastOpened(host, channel.Offer.ChildRelId);
            if (hosted?.Device is HostIcDevice ic)
            {
                if (channel.Device == GuestDevice.Heartbeat)
                    heartbeats += ic.CompletedRounds;
                else if (channel.Device == GuestDevice.Shutdown && ic.Negotiated is { } versions)
                    shutdownVersion = versions.Service.ToString();
            }
            echoes += channel.EchoesVerified;
            channels.Add(new ChannelReport
            {
                RelId = channel.Offer.ChildRelId,
                Device = channel.DeviceName,
                InterfaceType = channel.Offer.InterfaceType,
                ConnectionId = channel.Offer.ConnectionId,
                TargetVp = channel.Vp.Index,
                Opened = channel.Opened,
                Closed = channel.Closed,
                Gpadl = channel.Gpadl,
                RingPages = channel.RingPages,
                PacketsSent = channel.PacketsSent,
                PacketsReceived = channel.PacketsReceived,
                SignalsSent = channel.SignalsSent,
                InterruptsReceived = channel.InterruptsReceived,
                HostSignals = hosted?.SignalsSent ?? 0,
            });
        }
        return new SimulationReport
        {
            Topology = machine.Options.Topology,
            Architecture = machine.Options.Architecture,
            Routing = machine.Options.Routing,
            NestedRouting = machine.Routing.NestedRoot,
            VpCount = machine.Options.VpCount,
            Seed = machine.Options.Seed,
            Workload = client.Workload,
            VmBusConnected = client.Connected,
            VmBusVersion = client.Version,
            Offers = client.Offers,
            Channels = channels,
            Heartbeats = heartbeats,
            ShutdownVersion = shutdownVersion,
            EchoesVerified = echoes,
            Unloaded = client.Unloaded,
            Hypercalls = machine.Trace.Entries,
            Failures = machine.Trace.Failures,
            Errors = errors,
            Completed = completed,
            Steps = machine.Scheduler.Steps,
            VirtualTimeNs = machine.Scheduler.Now,
        };
    }

    private static HostChannel? LastOpened(VmBusHost host, uint relId)
    {
        HostChannel? found = null;
        foreach (var channel in host.ChannelsOpened)
        {
            if (channel.Offer.ChildRelId == relId)
                found = channel;
        }
        return found;
    }
}
