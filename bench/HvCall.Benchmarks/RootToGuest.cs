using System;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Guest;
using HvCall.Simulation.Machines;

namespace HvCall.Benchmarks;

/// <summary>
/// The nested root's calls to its own L2 guest on the default nested machine: HvCallSignalEventDirect (event flag
/// 1 of SINT 2, already set, so no interrupt) and HvCallPostMessageDirect into the guest's SINT 2 slot, both issued
/// through the root's routed issuing functions (the table leaves them without the nested bit) and handled by L1.
/// </summary>
internal sealed class RootToGuest
{
    private readonly Hypercalls _root;
    private readonly ulong _child;
    private readonly GuestPage _childMessages;

    public RootToGuest()
    {
        var machine = Machine.Build(new MachineOptions { Topology = Topology.Nested, L2Guests = 1, Trace = false });
        machine.Guest.GuestOsId = GuestLayout.LinuxGuestOsId;
        var guest = machine.L2Guests[0];
        guest.Partition.GuestOsId = GuestLayout.LinuxGuestOsId;
        var vp = guest.Vps[0];
        if (!vp.Synic.TryWrite(SynicRegister.Simp, SynicPageRegister.Enabled(vp.MessagePage.Gpa).Value) ||
            !vp.Synic.TryWrite(SynicRegister.Siefp, SynicPageRegister.Enabled(vp.EventFlagsPage.Gpa).Value) ||
            !vp.Synic.TryWrite(SynicRegisters.Sint(2), SintRegister.Unmasked(0xF3).Value) || !vp.Synic.TryWrite(SynicRegister.Scontrol, 1))
            throw new InvalidOperationException("Benchmark setup: enabling the L2 guest's SynIC failed.");
        _childMessages = vp.MessagePage;
        _child = guest.Partition.Id;
        var traced = machine.GuestVps[0].Hypercalls;
        _root = new Hypercalls(new SimulatedProcessor(machine.Guest.VirtualProcessors[0]), traced.Routing, traced.Pages);
        if (Signal().Status != HvStatus.Success || Post(new byte[40]).Status != HvStatus.Success)
            throw new InvalidOperationException("Benchmark setup: the root's direct calls failed.");
    }

    public HypercallResult Signal() => _root.SignalEventDirect(_child, 0, 0, 2, 1, out _);

    public HypercallResult Post(ReadOnlySpan<byte> payload)
    {
        var result = _root.PostMessageDirect(_child, 0, 0, 2, HvMessageType.VmBus, payload);
        _childMessages.Span.Slice(2 * HvMessage.Size, 4).Clear(); // the guest frees the slot
        return result;
    }
}
