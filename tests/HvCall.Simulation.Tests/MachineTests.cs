using System;
using System.Buffers.Binary;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Cpuid;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Guest;
using HvCall.Simulation.Machines;
using Xunit;

namespace HvCall.Simulation.Tests;

/// <summary>Machine options, topology wiring, nesting detection and the simulated processor.</summary>
public sealed class MachineTests
{
    public static TheoryData<MachineOptions, string> InvalidOptions => new()
    {
        { new MachineOptions { Topology = Topology.Nested, Architecture = HvArchitecture.Arm64 }, "ARM64" },
        { new MachineOptions { VpCount = 0 }, "1 to 64" },
        { new MachineOptions { VpCount = 65 }, "not 65" },
        { new MachineOptions { VpCount = -1 }, "1 to 64" },
        { new MachineOptions { MemorySize = 1UL << 20 }, "4 MiB" },
        { new MachineOptions { MemorySize = (4UL << 20) - 4096 }, "4 MiB" },
        { new MachineOptions { MemorySize = (8UL << 20) + 1 }, "multiple of 4096" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_ReportsOneLine_AndBuildThrowsWithThatMessage(MachineOptions options, string expected)
    {
        var problem = options.Validate();
        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
        var thrown = Assert.Throws<ArgumentException>(() => Machine.Build(options));
        Assert.Equal(problem, thrown.Message);
        Assert.Throws<ArgumentException>(options.ThrowIfInvalid);
    }

    [Fact]
    public void Builder_ThrowsLikeBuild()
    {
        var thrown = Assert.Throws<ArgumentException>(() => Machine.Builder().WithTopology(Topology.Nested).WithArchitecture(HvArchitecture.Arm64).Build());
        Assert.Contains("ARM64", thrown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Machine.Builder().WithVps(65).Build());
        Assert.Throws<ArgumentException>(() => Machine.Builder().WithMemory(4096).Build());
    }

    [Theory]
    [InlineData(Topology.Flat, HvArchitecture.X64, 1, 4UL << 20)]
    [InlineData(Topology.Flat, HvArchitecture.Arm64, 64, 64UL << 20)]
    [InlineData(Topology.Nested, HvArchitecture.X64, 64, 4UL << 20)]
    public void Validate_AcceptsTheBoundaries(Topology topology, HvArchitecture architecture, int vps, ulong memory)
    {
        var options = new MachineOptions { Topology = topology, Architecture = architecture, VpCount = vps, MemorySize = memory };
        Assert.Null(options.Validate());
        var machine = Machine.Build(options);
        Assert.Equal(vps, machine.GuestVps.Count);
        Assert.Equal(Enumerable.Range(0, vps).Select(i => (uint)i), machine.GuestVps.Select(v => v.Index));
    }

    [Fact]
    public void Nested_Wiring()
    {
        var machine = Machine.Builder().WithTopology(Topology.Nested).WithVps(2).Build();
        Assert.NotNull(machine.L1);
        Assert.NotNull(machine.L1Vm);
        Assert.Same(machine.L0, machine.L1!.Parent);
        Assert.Same(machine.L1Vm, machine.L1.HostPartition);
        Assert.Null(machine.L0.Parent);
        Assert.True(machine.Guest.IsRoot);
        Assert.Same(machine.L1, machine.Guest.Hypervisor);
        Assert.Same(machine.L1Vm!.Memory, machine.Guest.Memory);
        Assert.Same(machine.L1Vm, machine.VmBusPartition);
        Assert.False(machine.L1Vm.IsRoot);
        Assert.True(machine.Host.IsRoot);
        Assert.Same(machine.L0, machine.Host.Hypervisor);
        Assert.True(machine.Routing.NestedRoot);
    }

    [Theory]
    [InlineData(HvArchitecture.X64)]
    [InlineData(HvArchitecture.Arm64)]
    public void Flat_Wiring(HvArchitecture architecture)
    {
        var machine = Machine.Builder().WithArchitecture(architecture).Build();
        Assert.Null(machine.L1);
        Assert.Null(machine.L1Vm);
        Assert.False(machine.Guest.IsRoot);
        Assert.Same(machine.Guest, machine.VmBusPartition);
        Assert.Same(machine.L0, machine.Guest.Hypervisor);
        Assert.Equal(architecture, machine.Guest.Architecture);
        Assert.False(machine.Routing.NestedRoot);
        Assert.Equal(architecture, machine.GuestVps[0].Hypercalls.Architecture);
    }

    [Fact]
    public void Cpuid_NestedHypervisorBit_OnlyOnTheNestedRoot()
    {
        const uint bit12 = 1u << 12;
        var nested = Machine.Builder().WithTopology(Topology.Nested).Build();
        var flat = Machine.Builder().Build();

        Assert.NotEqual(0u, nested.GuestVps[0].Processor.Query(HvCpuid.EnlightenmentInfo).Eax & bit12);
        Assert.Equal(0u, flat.GuestVps[0].Processor.Query(HvCpuid.EnlightenmentInfo).Eax & bit12);
        // The L1 VM is a guest of L0, not a root under a parent hypervisor.
        Assert.Equal(0u, new SimulatedProcessor(nested.L1Vm!.VirtualProcessors[0]).Query(HvCpuid.EnlightenmentInfo).Eax & bit12);
        // L0's root runs on hardware: no parent, so no bit.
        Assert.Equal(0u, new SimulatedProcessor(flat.Host.VirtualProcessors[0]).Query(HvCpuid.EnlightenmentInfo).Eax & bit12);
        // "Microsoft Hv" vendor signature.
        var vendor = flat.GuestVps[0].Processor.Query(HvCpuid.VendorAndMaxLeaf);
        var text = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(text, vendor.Ebx);
        BinaryPrimitives.WriteUInt32LittleEndian(text.AsSpan(4), vendor.Ecx);
        BinaryPrimitives.WriteUInt32LittleEndian(text.AsSpan(8), vendor.Edx);
        Assert.Equal("Microsoft Hv", System.Text.Encoding.ASCII.GetString(text));
    }

    [Fact]
    public void RoutingNone_SwitchesTheTableOff_OnANestedRoot()
    {
        var machine = Machine.Builder().WithTopology(Topology.Nested).WithRouting(RoutingMode.None).Build();
        Assert.False(machine.Routing.NestedRoot);
        Assert.False(machine.GuestVps[0].Hypercalls.Routing.IsEnabled);
        Assert.False(machine.GuestVps[0].Hypercalls.ControlFor(HvCallCode.PostMessage).IsNested);
        var auto = Machine.Builder().WithTopology(Topology.Nested).Build();
        Assert.True(auto.GuestVps[0].Hypercalls.ControlFor(HvCallCode.PostMessage).IsNested);
        Assert.True(auto.GuestVps[0].Hypercalls.ControlFor(HvCallCode.SignalEvent).IsNested);
        Assert.False(auto.GuestVps[0].Hypercalls.ControlFor(HvCallCode.GetPartitionId).IsNested);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(1, 5)]
    [InlineData(16, 1)]
    public void ContinuedRepCall_IsReExecutedTransparently(int repsPerSlice, int expectedExecutions)
    {
        var machine = Machine.Builder().WithRepsPerTimeSlice(repsPerSlice).Build();
        var vp = machine.GuestVps[0];
        Assert.True(vp.Processor.TryWrite(HvX64Msr.GuestOsId, GuestLayout.LinuxGuestOsId));
        uint[] names = [HvRegisterName.Scontrol, HvRegisterName.Sversion, HvRegisterName.Simp, HvRegisterName.Siefp, HvRegisterName.Sint0 + 2];
        var input = vp.Hypercalls.Pages.InputArea(0, 16 + 4 * names.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(input, HvRegisterName.PartitionSelf);
        BinaryPrimitives.WriteUInt64LittleEndian(input[8..], HvRegisterName.VpIndexSelf);
        for (var i = 0; i < names.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(input[(16 + 4 * i)..], names[i]);

        var result = vp.Hypercalls.Rep(HvCallCode.GetVpRegisters, names.Length);

        Assert.Equal(HvStatus.Success, result.Status);
        Assert.Equal(5, result.RepsCompleted);
        var entry = Assert.Single(machine.Trace.Entries);
        Assert.Equal(expectedExecutions, entry.Executions);
        Assert.Equal(5, entry.Result.RepsCompleted);
        Assert.Equal(5, entry.Control.RepCount);
        Assert.Equal(0, entry.Control.RepStart);
        Assert.Equal("L0", entry.HandledBy);
        Assert.Equal(expectedExecutions * 100L, machine.Scheduler.Now); // 100 ns per execution (machine-model.md)
        var output = vp.Hypercalls.Pages.OutputArea(0, 16 * names.Length);
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(output[16..]));          // SVERSION
        Assert.Equal(0x10000UL, BinaryPrimitives.ReadUInt64LittleEndian(output[64..]));    // SINT2 reset value: masked
    }

    [Theory]
    [InlineData(Topology.Flat)]
    [InlineData(Topology.Nested)]
    public void HypercallBeforeGuestOsId_Faults(Topology topology)
    {
        var machine = Machine.Builder().WithTopology(topology).Build();
        var hypercalls = machine.GuestVps[0].Hypercalls;
        Assert.Throws<HvGuestException>(() => hypercalls.PostMessage(new HvConnectionId(4), 1, new byte[8]));
        Assert.Throws<HvGuestException>(() => hypercalls.SignalEvent(new HvConnectionId(0x2001)));
        Assert.Empty(machine.Trace.Entries);

        Assert.True(machine.GuestVps[0].Processor.TryWrite(HvX64Msr.GuestOsId, GuestLayout.LinuxGuestOsId));
        var status = hypercalls.PostMessage(new HvConnectionId(4), 1, new byte[8]).Status;
        Assert.Equal(HvStatus.InvalidConnectionId, status); // no VMBus host on this machine
        Assert.Single(machine.Trace.Entries);
    }

    [Fact]
    public void Arm64_RegisterCallsAllowedBeforeGuestOsId_OthersFault()
    {
        var machine = Machine.Builder().WithArchitecture(HvArchitecture.Arm64).Build();
        var hypercalls = machine.GuestVps[0].Hypercalls;
        Assert.Throws<HvGuestException>(() => hypercalls.SignalEvent(new HvConnectionId(0x2001)));
        Assert.Equal(HvStatus.Success, hypercalls.SetVpRegister(HvRegisterName.GuestOsId, GuestLayout.LinuxGuestOsId).Status);
        Assert.Equal(GuestLayout.LinuxGuestOsId, machine.Guest.GuestOsId);
        Assert.Equal(HvStatus.InvalidConnectionId, hypercalls.SignalEvent(new HvConnectionId(0x2001)).Status);
    }

    [Fact]
    public void Trace_RecordsVpTimeAndFailures()
    {
        var machine = Machine.Builder().WithVps(2).Build();
        Assert.True(machine.GuestVps[0].Processor.TryWrite(HvX64Msr.GuestOsId, GuestLayout.LinuxGuestOsId));
        machine.GuestVps[1].Hypercalls.SignalEvent(new HvConnectionId(0x2001));
        var id = machine.GuestVps[0].Hypercalls.Simple(HvCallCode.GetPartitionId);
        Assert.Equal(HvStatus.Success, id.Status);
        Assert.Equal(2, machine.Trace.Entries.Count);
        Assert.Equal(1u, machine.Trace.Entries[0].Vp);
        Assert.Equal(0u, machine.Trace.Entries[1].Vp);
        Assert.Equal(1, machine.Trace.Failures);
        // No scheduler step has run: only the hypercalls themselves advance the virtual clock.
        // 100 ns per execution (machine-model.md "Scheduling and traces").
        Assert.Equal([0L, 100L], machine.Trace.Entries.Select(e => e.Time).ToArray());
        Assert.Equal(200, machine.Scheduler.Now);
    }
}
