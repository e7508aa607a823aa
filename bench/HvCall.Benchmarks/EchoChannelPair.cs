using System;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Guest;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Simulation.Machines;
using HvCall.VmBus.Rings;

namespace HvCall.Benchmarks;

/// <summary>Which guest and host an <see cref="EchoChannelPair"/> connects.</summary>
public enum EchoPath
{
    /// <summary>A flat guest and L0's host: the guest's signal is a fast SignalEvent handled by L0.</summary>
    Flat,
    /// <summary>The nested root and L0's host: the root's signal carries the nested bit and L1 forwards it to L0.</summary>
    Nested,
    /// <summary>An L2 guest and the nested root serving it: the guest's signal reaches the root's own L1 SynIC through
    /// a root-owned event port; the root signals back with HvCallSignalEventDirect, handled by L1.</summary>
    RootToL2,
}

/// <summary>
/// One guest→host VMBus ring on a simulated machine, driven as the simulation's echo channel drives it: the guest
/// writes packets until its ring is full, commits (one fast HvCallSignalEvent through the routed issuing path only
/// when the ring was empty and the host unmasked), arms pending_send_sz when full; the host, woken by that signal,
/// drains with its interrupt mask set, commits (signalling the guest when the guest's pending size is crossed),
/// unmasks, looks again and sleeps. The ring pages come from the guest's scattered page allocator, and the host
/// reaches them through its own view of guest memory, as the simulated VMBus servers do.
/// </summary>
internal sealed class EchoChannelPair : IHostPortSink
{
    private const uint ChannelConnection = 0x2005;
    private const uint GuestEventPort = 0x200;
    private const uint RootEventPort = 0x3_0000;
    private const ushort RelId = 5;
    private const int RingPages = 16;

    private readonly EchoPath _path;
    private readonly Machine _machine;
    private readonly Hypercalls _guest;
    private readonly Hypercalls? _root;
    private readonly ulong _guestId;
    private readonly GuestPage _eventFlags;
    private readonly Memory<byte> _rootEventFlags;
    private readonly OutgoingRing _guestOut;
    private readonly IncomingRing _hostIn;
    private readonly byte[] _payload;
    private readonly byte[] _received;
    private readonly int _packetBytes;
    private bool _hostAwake;

    public EchoChannelPair(EchoPath path, int packetSize)
    {
        _path = path;
        _machine = Machine.Build(new MachineOptions { Topology = path == EchoPath.Flat ? Topology.Flat : Topology.Nested, L2Guests = path == EchoPath.RootToL2 ? 1 : 0, Trace = false });
        _machine.Guest.GuestOsId = GuestLayout.LinuxGuestOsId;
        var system = path == EchoPath.RootToL2 ? _machine.L2Guests[0] : _machine.Primary;
        system.Partition.GuestOsId = GuestLayout.LinuxGuestOsId;
        _guestId = system.Partition.Id;
        var vp = system.Vps[0];
        _eventFlags = vp.EventFlagsPage;
        EnableSynic(vp);
        _guest = Untraced(system.Partition, vp.Hypercalls);
        GuestMemory hostView;
        if (path == EchoPath.RootToL2)
        {
            var root = _machine.GuestVps[0];
            _root = Untraced(_machine.Guest, root.Hypercalls);
            var l1Flags = GuestLayout.L1EventFlagsPage(0);
            if (!root.Synic.TryWriteNonNested(SynicRegister.Siefp, SynicPageRegister.Enabled(l1Flags).Value) ||
                !root.Synic.TryWriteNonNested(SynicRegisters.Sint(2), SintRegister.Unmasked(0xF3).Value) ||
                !root.Synic.TryWriteNonNested(SynicRegister.Scontrol, 1))
                throw new InvalidOperationException("Benchmark setup: enabling the root's L1 SynIC failed.");
            _rootEventFlags = _machine.Guest.Memory.Page(l1Flags);
            Require(_root.CreatePort(HvRegisterName.PartitionSelf, RootEventPort, _guestId, HvPortInfo.Event(2, 0, RelId, 1)).Status);
            Require(_root.ConnectPort(_guestId, ChannelConnection, HvRegisterName.PartitionSelf, RootEventPort, HvPortType.Event).Status);
            hostView = system.Partition.Memory;
        }
        else
        {
            var l0 = _machine.L0;
            Require(l0.CreateHostPort(_machine.Host, ChannelConnection, PortType.Event, this));
            Require(l0.ConnectPort(_machine.VmBusPartition, ChannelConnection, _machine.Host, ChannelConnection));
            Require(l0.CreatePort(_machine.VmBusPartition, GuestEventPort, PortType.Event, 0, 2, 0, 2048));
            Require(l0.ConnectPort(_machine.Host, GuestEventPort, _machine.VmBusPartition, GuestEventPort));
            hostView = _machine.VmBusPartition.Memory;
        }

        var pages = new AllocatedPage[RingPages];
        if (!system.Pages.TryAllocate(pages))
            throw new InvalidOperationException("Benchmark setup: no ring pages.");
        var guestData = new Memory<byte>[RingPages - 1];
        var hostData = new Memory<byte>[RingPages - 1];
        for (var i = 1; i < RingPages; i++)
        {
            guestData[i - 1] = pages[i].Memory;
            hostData[i - 1] = hostView.Page(pages[i].Pfn * GuestMemory.PageSize);
        }
        var guestRing = new RingMemory(pages[0].Memory, guestData);
        new RingControl(guestRing).InitializeAsGuest();
        _guestOut = new OutgoingRing(guestRing);
        _hostIn = new IncomingRing(new RingMemory(hostView.Page(pages[0].Pfn * GuestMemory.PageSize), hostData));
        _hostIn.InitializeAsHost();
        _hostAwake = true;
        _payload = new byte[packetSize];
        _received = new byte[_hostIn.DataSize];
        _packetBytes = OutgoingRing.PacketBytes(packetSize);
    }

    /// <summary>The guest's HvCallSignalEvent calls so far.</summary>
    public long GuestSignals { get; private set; }

    /// <summary>The host's signals to the guest so far.</summary>
    public long HostSignals { get; private set; }

    /// <summary>Packets the host has read.</summary>
    public long Received { get; private set; }

    /// <summary>Sends <paramref name="packets"/> packets guest → host; returns when the host has read them all.</summary>
    public void Burst(int packets)
    {
        for (var sent = 0; sent < packets;)
        {
            if (_guestOut.TryWrite(VmBusPacketType.DataInBand, (ulong)sent, _payload) == RingStatus.Ok)
            {
                sent++;
                continue;
            }
            if (_guestOut.Commit())
                SignalHost();
            if (_guestOut.ArmPendingSend(_packetBytes))
                continue;
            HostRun();
            if (!TakeFlag(_eventFlags.Span, RelId))
                throw new InvalidOperationException("The host freed room but did not signal the blocked guest.");
            _guestOut.ClearPendingSend();
        }
        if (_guestOut.Commit())
            SignalHost();
        HostRun();
    }

    public void OnMessage(Port port)
    {
    }

    public void OnEvent(Port port, ushort flagNumber) => _hostAwake = true;

    private void SignalHost()
    {
        GuestSignals++;
        if (_guest.SignalEvent(new HvConnectionId(ChannelConnection)).Status != HvStatus.Success)
            throw new InvalidOperationException("The guest's signal failed.");
    }

    // The host's actor: runs only when woken; drains masked, commits, unmasks, looks again, sleeps.
    private void HostRun()
    {
        if (_path == EchoPath.RootToL2)
            _hostAwake |= TakeFlag(_rootEventFlags.Span, RelId);
        if (!_hostAwake)
            throw new InvalidOperationException("The guest wrote into an empty ring but the host was not signalled.");
        _hostIn.MaskInterrupts();
        while (true)
        {
            while (_hostIn.TryRead(_received, out _, out _) == RingStatus.Ok)
                Received++;
            if (_hostIn.Commit())
                SignalGuest();
            if (!_hostIn.UnmaskInterrupts())
                break;
            _hostIn.MaskInterrupts();
        }
        _hostAwake = false;
    }

    private void SignalGuest()
    {
        HostSignals++;
        var status = _root is { } root
            ? root.SignalEventDirect(_guestId, 0, 0, 2, RelId, out _).Status
            : _machine.L0.SignalEvent(_machine.Host, new HvConnectionId(GuestEventPort), RelId);
        Require(status);
    }

    private static bool TakeFlag(Span<byte> eventFlagsPage, int flag)
    {
        ref var word = ref eventFlagsPage[2 * 256 + flag / 8];
        var bit = (byte)(1 << (flag % 8));
        if ((word & bit) == 0)
            return false;
        word &= (byte)~bit;
        return true;
    }

    private static void EnableSynic(GuestVp vp)
    {
        if (!vp.Synic.TryWrite(SynicRegister.Siefp, SynicPageRegister.Enabled(vp.EventFlagsPage.Gpa).Value) ||
            !vp.Synic.TryWrite(SynicRegisters.Sint(2), SintRegister.Unmasked(0xF3).Value) || !vp.Synic.TryWrite(SynicRegister.Scontrol, 1))
            throw new InvalidOperationException("Benchmark setup: enabling the guest SynIC failed.");
    }

    // The issuer without the trace, as a guest that records nothing runs.
    private static Hypercalls Untraced(Partition partition, Hypercalls traced) =>
        new(new SimulatedProcessor(partition.VirtualProcessors[0]), traced.Routing, traced.Pages);

    private static void Require(HvStatus status)
    {
        if (status != HvStatus.Success)
            throw new InvalidOperationException($"Benchmark setup failed: {HvStatusNames.TlfsName(status)}.");
    }
}
