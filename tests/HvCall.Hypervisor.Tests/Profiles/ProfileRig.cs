using System;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Profiles;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Profiles;

/// <summary>
/// A hypervisor answering as one host profile, with a guest partition (the caller) and a root partition "host" that
/// owns, as a VMM's VMBus server does, a message port reached under connection 4 and an event port under connection
/// 0x2001 (host code, no SynIC), plus a SynIC event port on host VP 1, SINT 3, 4 flags, under connection 0x2002.
/// </summary>
internal sealed class ProfileRig
{
    public const uint HostMessageConnection = 4;
    public const uint HostEventConnection = 0x2001;
    public const uint SynicEventConnection = 0x2002;
    public const int SynicEventSint = 3;
    public const ushort SynicFlagCount = 4;
    public const uint UnknownConnection = 0x999;

    /// <summary>Offset in a page from which a 256-byte PostMessage input crosses into the next page.</summary>
    public const int StraddlingOffset = TestMachine.Page - 8;

    public ProfileRig(string profile, HvArchitecture arch = HvArchitecture.X64,
        HvPartitionPrivileges privileges = PartitionConfiguration.GuestDefault, bool enforceCpuid = false)
    {
        Machine = TestMachine.Create(arch, privileges);
        var chosen = HostProfiles.Get(profile);
        Hv.Profile = enforceCpuid ? chosen with { EnforceCpuid = true } : chosen;
        Host = Machine.AddPartition("host", PartitionConfiguration.RootDefault, vpCount: 2, isRoot: true);
        Assert.Equal(HvStatus.Success, Hv.CreateHostPort(Host, 1, PortType.Message, Sink));
        Assert.Equal(HvStatus.Success, Hv.ConnectPort(Guest, HostMessageConnection, Host, 1));
        Assert.Equal(HvStatus.Success, Hv.CreateHostPort(Host, 2, PortType.Event, Sink, flagCount: 1));
        Assert.Equal(HvStatus.Success, Hv.ConnectPort(Guest, HostEventConnection, Host, 2));
        TestMachine.EnableSynic(Host.VirtualProcessors[1], SynicEventSint, 0x51);
        Assert.Equal(HvStatus.Success, Hv.CreatePort(Host, 3, PortType.Event, 1, SynicEventSint, 0, SynicFlagCount));
        Assert.Equal(HvStatus.Success, Hv.ConnectPort(Guest, SynicEventConnection, Host, 3));
    }

    public TestMachine Machine { get; }
    public HvHypervisor Hv => Machine.Hv;
    public Partition Guest => Machine.Guest;
    public VirtualProcessor Vp => Machine.Vp;
    public Partition Host { get; }
    public CountingSink Sink { get; } = new();

    /// <summary>One call: slow input at the VP's input page, or fast in the register block.</summary>
    public Outcome Issue(ulong control, bool fast, byte[] input, int outputLength = 0) => Cpu.Issue(Vp, control, fast, input, outputLength);

    /// <summary>A slow call whose input sits at <paramref name="gpa"/> (written there when inside guest memory).</summary>
    public Outcome IssueAt(ulong control, ulong gpa, byte[] input)
    {
        Vp.Partition.Memory.TryWrite(gpa, input);
        var exit = Cpu.Hvcall(Vp, control, gpa, TestMachine.OutputPage(Vp));
        return new Outcome(exit, Cpu.Result(Vp), []);
    }

    /// <summary>HvCallPostMessage (slow) of a VMBus message (type 1) with a 16-byte payload.</summary>
    public Outcome Post(uint connection = HostMessageConnection, uint type = 1, uint? payloadSize = null, uint reserved = 0, ulong extraControl = 0) =>
        Issue(Words.Control(Code.PostMessage) | extraControl, false, Inputs.PostMessage(connection, type, new byte[16], payloadSize, reserved));

    /// <summary>HvCallSignalEvent, fast by default.</summary>
    public Outcome Signal(uint connection = HostEventConnection, ushort flag = 0, ushort reserved = 0, bool fast = true, ulong extraControl = 0) =>
        Issue(Words.Control(Code.SignalEvent) | extraControl, fast, Inputs.Qword(Inputs.SignalEvent(connection, flag, reserved)));

    /// <summary>PostMessage input at an offset in the VP's input page.</summary>
    public Outcome PostAt(int offset) =>
        IssueAt(Words.Control(Code.PostMessage), TestMachine.InputPage(Vp) + (ulong)offset, Inputs.PostMessage(HostMessageConnection, 1, new byte[16]));
}

/// <summary>Host code that owns ports and never takes a message, so a port's 16 buffers fill up.</summary>
internal sealed class CountingSink : IHostPortSink
{
    public int Messages { get; private set; }
    public int Events { get; private set; }

    public void OnMessage(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        Messages++;
    }

    public void OnEvent(Port port, ushort flagNumber) => Events++;
}

/// <summary>Profile names as theory rows; the statuses each test expects are typed from host-implementations.md.</summary>
internal static class ProfileNames
{
    public const string Hyperv = "hyperv";
    public const string Kvm = "kvm";
    public const string KvmRelay = "kvm-relay";
    public const string Qemu = "qemu";
    public const string OpenVmm = "openvmm";

    public static readonly string[] All = [Hyperv, Kvm, KvmRelay, Qemu, OpenVmm];

    /// <summary>Rows (profile, arch): every profile on x64, and on ARM64 the hosts that answer there (Hyper-V, OpenVMM).</summary>
    public static TheoryData<string, HvArchitecture> WithArchitectures()
    {
        var data = new TheoryData<string, HvArchitecture>();
        foreach (var name in All)
            data.Add(name, HvArchitecture.X64);
        data.Add(Hyperv, HvArchitecture.Arm64);
        data.Add(OpenVmm, HvArchitecture.Arm64);
        return data;
    }
}
