using System;
using System.Collections.Generic;
using HvCall.Hypervisor;
using HvCall.Hypervisor.Partitions;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using HvCall.VmBus.Messages;

namespace HvCall.Simulation.Faults;

/// <summary>
/// One VMBus connection of a fault run: a guest client, the server that serves it with the plan's faults, the storms
/// at the server's message port, and the ledger of the client's echo traffic.
/// </summary>
public sealed class FaultConnection
{
    private readonly HvHypervisor _hypervisor;
    private readonly Partition _served;
    private readonly Func<VmBusOffer, (Partition Owner, uint Port)> _eventPort;

    internal FaultConnection(string name, VmBusClient client, VmBusHost server, HvHypervisor hypervisor, Partition served,
        Func<VmBusOffer, (Partition Owner, uint Port)> eventPort)
    {
        Name = name;
        Client = client;
        Server = server;
        Faults = server.Faults!;
        _hypervisor = hypervisor;
        _served = served;
        _eventPort = eventPort;
        client.EchoObserver = Ledger;
    }

    /// <summary>The served partition's name ("guest", "root", "l2-guest-0", …).</summary>
    public string Name { get; }

    /// <summary>The guest's client.</summary>
    public VmBusClient Client { get; }

    /// <summary>The server.</summary>
    public VmBusHost Server { get; }

    /// <summary>The plan as this server ran it.</summary>
    public HostFaults Faults { get; }

    /// <summary>The storms at the server's message port (null until the port exists and the guest may post).</summary>
    public PostMessageFaults? Admission { get; internal set; }

    /// <summary>The client's echo packets, sent and returned.</summary>
    public EchoLedger Ledger { get; } = new();

    /// <summary>
    /// True while the server still listens for the guest's signals on <paramref name="offer"/>'s connection id: the
    /// event port exists or the guest is still connected to it (both go at CLOSECHANNEL).
    /// </summary>
    /// <param name="offer">The channel.</param>
    public bool Listens(VmBusOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var (owner, port) = _eventPort(offer);
        return _hypervisor.IsConnected(_served, offer.ConnectionId) || _hypervisor.TryGetPort(owner, port, out _);
    }
}

/// <summary>
/// A fault scenario on a machine: L0's VMBus server for the flat guest or the nested root, and on a nested machine with
/// L2 guests the root's servers for them, each with the plan's faults (<see cref="VmBusHost.Faults"/>, the storms as
/// its message port's admission), and the guests' clients watched by echo ledgers. <see cref="Execute"/> runs it to the
/// end within <see cref="MaxSteps"/>; <see cref="FaultInvariants.Check"/> says what went wrong.
/// </summary>
public sealed class FaultRun
{
    /// <summary>A bound on scheduler steps: a drawn scenario takes tens of thousands; a guest that waits forever ends the run here.</summary>
    public const long MaxSteps = 4_000_000;

    private readonly List<FaultConnection> _connections = [];
    private readonly RootVmBusHosting? _hosting;

    /// <summary>Builds the machine and the endpoints of <paramref name="spec"/>; nothing runs yet.</summary>
    /// <param name="spec">The scenario.</param>
    /// <exception cref="ArgumentException">The machine options or the workload are invalid.</exception>
    public FaultRun(FaultScenarioSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Workload.Validate() is { } problem)
            throw new ArgumentException(problem, nameof(spec));
        Spec = spec;
        Machine = Machine.Build(spec.Machine);
        var machine = Machine;
        var server = new VmBusHost(machine.L0, machine.Host, machine.VmBusPartition, spec.Workload) { Faults = spec.Plan.ForHost() };
        var l0 = new FaultConnection(machine.Primary.Name, new VmBusClient(machine.GuestVps, machine.GuestPages, spec.Workload), server,
            machine.L0, machine.VmBusPartition, offer => (machine.Host, offer.ConnectionId));
        var admission = spec.Plan.ForPort();
        ((L0HostTransport)server.Transport).MessagePort.Admission = admission;
        l0.Admission = admission;
        _connections.Add(l0);
        if (machine.L2Guests.Count == 0)
            return;
        _hosting = new RootVmBusHosting(machine.Primary, machine.L2Guests, spec.Workload);
        for (var i = 0; i < machine.L2Guests.Count; i++)
        {
            var guest = machine.L2Guests[i];
            var index = (uint)i;
            var rootServer = _hosting.Servers[i];
            rootServer.Faults = spec.Plan.ForHost(1 + index);
            _connections.Add(new FaultConnection(guest.Name, new VmBusClient(guest.Vps, guest.Pages, spec.Workload), rootServer, machine.L1!,
                guest.Partition, offer => (machine.Primary.Partition,
                    RootServerTransport.EventPortBase + index * RootServerTransport.FlagsPerChild + offer.ChildRelId)));
        }
    }

    /// <summary>The scenario.</summary>
    public FaultScenarioSpec Spec { get; }

    /// <summary>The machine.</summary>
    public Machine Machine { get; }

    /// <summary>L0's connection first, then one per L2 guest.</summary>
    public IReadOnlyList<FaultConnection> Connections => _connections;

    /// <summary>The nested root's hosting of its L2 guests, or null.</summary>
    public RootVmBusHosting? Hosting => _hosting;

    /// <summary>True once every guest VP finished within <see cref="MaxSteps"/> (false before <see cref="Execute"/>).</summary>
    public bool Completed { get; private set; }

    /// <summary>Spawns every endpoint and runs the machine's scheduler to the end.</summary>
    /// <returns><see cref="Completed"/>.</returns>
    public bool Execute()
    {
        var scheduler = Machine.Scheduler;
        if (_hosting is { } hosting)
        {
            scheduler.Spawn("root-vmbus-host", hosting.Run(), daemon: true);
            for (var i = 1; i < _connections.Count; i++)
            {
                var guest = Machine.L2Guests[i - 1];
                foreach (var vp in guest.Vps)
                    scheduler.Spawn($"{guest.Name}/vp{vp.Index}", AfterHostReady(i, _connections[i].Client.RunVp(vp)));
            }
        }
        var l0 = _connections[0];
        scheduler.Spawn("vmbus-host", l0.Server.Run(), daemon: true);
        foreach (var vp in Machine.GuestVps)
            scheduler.Spawn($"vp{vp.Index}", l0.Client.RunVp(vp));
        Completed = scheduler.Run(MaxSteps);
        return Completed;
    }

    // An L2 guest starts once its VMM (the root) has connected it; the storms go onto the root's message port on L1
    // then, before the guest's first PostMessage.
    private IEnumerable<object?> AfterHostReady(int connection, IEnumerable<object?> body)
    {
        while (!_hosting!.Ready)
            yield return null;
        var link = _connections[connection];
        if (link.Admission is null && Machine.L1!.TryGetPort(Machine.Primary.Partition, _hosting.Transports[connection - 1].MessagePort, out var port))
        {
            var admission = Spec.Plan.ForPort();
            port.Admission = admission;
            link.Admission = admission;
        }
        foreach (var step in body)
            yield return step;
    }
}
