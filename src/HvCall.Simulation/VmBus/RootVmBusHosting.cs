using System;
using System.Collections.Generic;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Guest;
using HvCall.Simulation.Machines;
using HvCall.VmBus;
using HvCall.VmBus.Messages;

namespace HvCall.Simulation.VmBus;

/// <summary>
/// A nested root partition as the VMBus host of its own L2 guests: guest code of the root, on the same VPs and the
/// same HvCall.Guest objects as its VMBus client of L0. It enables its own L1 SynIC with non-nested register access
/// (the role Linux's <c>hv_set_non_nested_msr()</c> plays for mshv), creates its ports on L1 and connects each guest
/// to them with hypercalls issued to L1, reads its guests' messages and signals from that SynIC, and runs one
/// <see cref="VmBusHost"/> per guest — the very server L0 runs — whose replies and interrupts are
/// HvCallPostMessageDirect and HvCallSignalEventDirect, handled by L1 and never nested.
/// </summary>
/// <remarks>
/// The root's two SynICs never meet: its VMBus client of L0 programs L0's SynIC of the L1 VM's VP through the nested
/// SynIC MSRs and the per-VP SIMP/SIEFP pages; this server programs L1's SynIC of the root's VP 0 through the plain
/// MSRs and <see cref="GuestLayout.L1MessagePage"/>. Both use SINT 2.
/// </remarks>
public sealed class RootVmBusHosting
{
    /// <summary>The devices the root offers its guests, in relid order.</summary>
    public static IReadOnlyList<(string Name, Guid Type)> Devices { get; } = [("heartbeat", VmBusDevices.Heartbeat), ("echo", VmBusDevices.Echo)];

    private readonly GuestVp _vp;
    private readonly List<RootServerTransport> _transports = [];
    private readonly List<VmBusHost> _servers = [];
    private readonly List<string> _errors = [];
    private readonly byte[] _slot = new byte[HvMessage.Size];
    private readonly Memory<byte> _messagePage;
    private readonly Memory<byte> _eventFlagsPage;

    /// <summary>A host for <paramref name="children"/>, run by guest code on the root's VP 0.</summary>
    /// <param name="root">The nested root.</param>
    /// <param name="children">Its L2 guests.</param>
    /// <param name="workload">What the devices do.</param>
    /// <param name="callSites">How replies and interrupts reach the guests.</param>
    public RootVmBusHosting(GuestSystem root, IReadOnlyList<GuestSystem> children, ChannelWorkload workload, RootCallSites callSites = RootCallSites.Direct)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(children);
        if (children.Count * RootServerTransport.FlagsPerChild > 2048)
            throw new ArgumentException("The root's SINT 2 event flags hold the channels of at most 32 guests.", nameof(children));
        _vp = root.Vps[0];
        var memory = root.Partition.Memory;
        _messagePage = memory.Page(GuestLayout.L1MessagePage(_vp.Index));
        _eventFlagsPage = memory.Page(GuestLayout.L1EventFlagsPage(_vp.Index));
        for (var i = 0; i < children.Count; i++)
        {
            var transport = new RootServerTransport(_vp.Hypercalls, children[i].Partition, i, callSites);
            _transports.Add(transport);
            _servers.Add(new VmBusHost(transport, workload, devices: Devices));
        }
    }

    /// <summary>One server per guest, in guest order.</summary>
    public IReadOnlyList<VmBusHost> Servers => _servers;

    /// <summary>One transport per guest, in guest order.</summary>
    public IReadOnlyList<RootServerTransport> Transports => _transports;

    /// <summary>True once the root's L1 SynIC is on and every guest is connected to its message port.</summary>
    public bool Ready { get; private set; }

    /// <summary>What failed in the root's own setup (servers and transports keep their own errors).</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>The host's actor on the root's VP 0 (a daemon): set up, then each step read the L1 SynIC and run every server once.</summary>
    public IEnumerable<object?> Run()
    {
        // The root's kernel has identified itself (GUEST_OS_ID) before it starts serving guests.
        IMsrInstructions msrs = _vp.Processor;
        while (!msrs.TryRead(HvX64Msr.GuestOsId, out var osId) || osId == 0)
            yield return null;
        EnableL1Synic();
        foreach (var transport in _transports)
            transport.Connect();
        Ready = true;
        while (true)
        {
            Pump();
            foreach (var server in _servers)
                server.Step();
            yield return null;
        }
    }

    // The root's own SynIC on L1: plain (non-nested) MSRs even on a nested root, whose routed SynIC access goes to L0.
    private void EnableL1Synic()
    {
        var synic = _vp.Synic;
        if (!synic.TryWriteNonNested(SynicRegister.Simp, SynicPageRegister.Enabled(GuestLayout.L1MessagePage(_vp.Index)).Value) ||
            !synic.TryWriteNonNested(SynicRegister.Siefp, SynicPageRegister.Enabled(GuestLayout.L1EventFlagsPage(_vp.Index)).Value) ||
            !synic.TryWriteNonNested(SynicRegisters.Sint(VmBusProtocol.MessageSint), SintRegister.Unmasked(VmBusClient.SintVector).Value) ||
            !synic.TryWriteNonNested(SynicRegister.Scontrol, 1))
            _errors.Add("enabling the root's own L1 SynIC failed");
    }

    // Messages: the SINT 2 slot, routed to the guest whose message port sent it (the sender field); signals: the
    // event flags of SINT 2, flag 64·guest + relid, test-and-clear.
    private void Pump()
    {
        var type = SynicPages.TakeMessage(_messagePage.Span, VmBusProtocol.MessageSint, _slot, out var pending);
        if (type != HvMessageType.None)
        {
            if (pending && !_vp.Synic.TryWriteNonNested(SynicRegister.Eom, 0))
                _errors.Add("writing the L1 EOM faulted");
            var port = HvMessage.Sender(_slot) - RootServerTransport.MessagePortBase;
            if (type == VmBusProtocol.SynicMessageType && port < (ulong)_transports.Count)
                _transports[(int)port].Received(HvMessage.Payload(_slot).ToArray());
        }
        var words = (_transports.Count * RootServerTransport.FlagsPerChild + 31) / 32;
        for (var w = 0; w < words; w++)
        {
            var taken = SynicPages.TakeWord(_eventFlagsPage.Span, VmBusProtocol.MessageSint, w);
            while (taken != 0)
            {
                var bit = System.Numerics.BitOperations.TrailingZeroCount(taken);
                taken &= taken - 1;
                var flag = w * 32 + bit;
                _transports[flag / RootServerTransport.FlagsPerChild].ReceivedSignal((uint)(flag % RootServerTransport.FlagsPerChild));
            }
        }
    }
}
