using System;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Guest;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Ports;
using HvCall.Simulation.Machines;
using HvCall.VmBus.Rings;

namespace HvCall.Benchmarks;

/// <summary>
/// One guest→host VMBus ring on a simulated machine, driven as the simulation's echo channel drives it: the guest
/// writes packets until its ring is full, commits (one fast HvCallSignalEvent through the routed issuing path only
/// when the ring was empty and the host unmasked), arms pending_send_sz when full; the host, woken by that signal,
/// drains with its interrupt mask set, commits (signalling the guest through the SynIC when the guest's pending
/// size is crossed), unmasks, looks again and sleeps. Flat: the guest's signal is handled by L0; nested: it carries
/// the nested bit and L1 forwards it to L0. The ring pages come from the guest's scattered page allocator, and
/// the host reaches them through L0's view of guest memory, as the simulated VMBus server does.
/// </summary>
internal sealed class EchoChannelPair : IHostPortSink
{
    private const uint ChannelConnection = 0x2005;
    private const uint GuestEventPort = 0x200;
    private const ushort RelId = 5;
    private const int RingPages = 16;

    private readonly Hypercalls _hypercalls;
    private readonly Machine _machine;
    private readonly GuestPage _eventFlags;
    private readonly OutgoingRing _guestOut;
    private readonly IncomingRing _hostIn;
    private readonly byte[] _payload;
    private readonly byte[] _received;
    private readonly int _packetBytes;
    private bool _hostAwake;

    public EchoChannelPair(Topology topology, int packetSize)
    {
        _machine = Machine.Build(new MachineOptions { Topology = topology });
        _machine.Guest.GuestOsId = GuestLayout.LinuxGuestOsId;
        var vp = _machine.GuestVps[0];
        _eventFlags = vp.EventFlagsPage;
        var synic = vp.Synic;
        if (!synic.TryWrite(SynicRegister.Siefp, SynicPageRegister.Enabled(vp.EventFlagsPage.Gpa).Value) ||
            !synic.TryWrite(SynicRegisters.Sint(2), SintRegister.Unmasked(0xF3).Value) || !synic.TryWrite(SynicRegister.Scontrol, 1))
            throw new InvalidOperationException("Benchmark setup: enabling the guest SynIC failed.");
        var l0 = _machine.L0;
        Require(l0.CreateHostPort(_machine.Host, ChannelConnection, PortType.Event, this));
        Require(l0.ConnectPort(_machine.VmBusPartition, ChannelConnection, _machine.Host, ChannelConnection));
        Require(l0.CreatePort(_machine.VmBusPartition, GuestEventPort, PortType.Event, 0, 2, 0, 2048));
        Require(l0.ConnectPort(_machine.Host, GuestEventPort, _machine.VmBusPartition, GuestEventPort));
        // The guest's issuer without the trace, as a guest that records nothing runs.
        var traced = vp.Hypercalls;
        _hypercalls = new Hypercalls(new SimulatedProcessor(_machine.Guest.VirtualProcessors[0]), traced.Routing, traced.Pages);

        var pages = new AllocatedPage[RingPages];
        if (!_machine.GuestPages.TryAllocate(pages))
            throw new InvalidOperationException("Benchmark setup: no ring pages.");
        var guestData = new Memory<byte>[RingPages - 1];
        var hostData = new Memory<byte>[RingPages - 1];
        var memory = _machine.VmBusPartition.Memory;
        for (var i = 1; i < RingPages; i++)
        {
            guestData[i - 1] = pages[i].Memory;
            hostData[i - 1] = memory.PageArray(pages[i].Pfn * GuestMemory.PageSize);
        }
        var guestRing = new RingMemory(pages[0].Memory, guestData);
        new RingControl(guestRing).InitializeAsGuest();
        _guestOut = new OutgoingRing(guestRing);
        _hostIn = new IncomingRing(new RingMemory(memory.PageArray(pages[0].Pfn * GuestMemory.PageSize), hostData));
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
            if (!TakeGuestFlag())
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
        if (_hypercalls.SignalEvent(new HvConnectionId(ChannelConnection)).Status != HvStatus.Success)
            throw new InvalidOperationException("The guest's signal failed.");
    }

    // The host's actor: runs only when woken; drains masked, commits, unmasks, looks again, sleeps.
    private void HostRun()
    {
        if (!_hostAwake)
            throw new InvalidOperationException("The guest wrote into an empty ring but the host was not signalled.");
        _hostIn.MaskInterrupts();
        while (true)
        {
            while (_hostIn.TryRead(_received, out _, out _) == RingStatus.Ok)
                Received++;
            if (_hostIn.Commit())
            {
                HostSignals++;
                Require(_machine.L0.SignalEvent(_machine.Host, new HvConnectionId(GuestEventPort), RelId));
            }
            if (!_hostIn.UnmaskInterrupts())
                break;
            _hostIn.MaskInterrupts();
        }
        _hostAwake = false;
    }

    private bool TakeGuestFlag()
    {
        var word = _eventFlags.Span.Slice(2 * 256, 4);
        var bit = (byte)(1 << RelId);
        if ((word[0] & bit) == 0)
            return false;
        word[0] &= (byte)~bit;
        return true;
    }

    private static void Require(HvStatus status)
    {
        if (status != HvStatus.Success)
            throw new InvalidOperationException($"Benchmark setup failed: {HvStatusNames.TlfsName(status)}.");
    }
}
