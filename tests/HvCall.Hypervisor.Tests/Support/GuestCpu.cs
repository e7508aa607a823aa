using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Guest;
using HvCall.Guest.Routing;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Processors;
using Xunit;

namespace HvCall.Hypervisor.Tests.Support;

/// <summary>
/// The hypercall instruction of a simulated VP as guest code sees it: HvCall.Guest's register block is loaded into
/// the VP's register file (x64 RCX, RDX, R8, XMM0–5; ARM64 X0–X17), the VP's hypervisor handles the trap (re-executed
/// while a rep call continues), and the registers are stored back. Every exit is kept, so a test can see which
/// hypervisor handled each call. The two sides meet only at the register file, as on hardware.
/// </summary>
internal sealed class GuestCpu : IHypercallInstruction
{
    private readonly VirtualProcessor _vp;

    public GuestCpu(VirtualProcessor vp) => _vp = vp;

    public HvArchitecture Architecture => _vp.Architecture;

    public List<HypercallExit> Exits { get; } = [];

    public void Execute(ref HypercallRegisters registers)
    {
        var block = HypercallRegisters.AsSpan(ref registers);
        if (_vp.Architecture == HvArchitecture.X64)
        {
            _vp.X64.Rcx = block[HypercallRegisters.Control];
            _vp.X64.WriteFastBlock(block.Slice(HypercallRegisters.FastBlock, Cpu.Capacity(HvArchitecture.X64)));
        }
        else
        {
            block.CopyTo(_vp.Arm64.X);
        }
        HypercallExit exit;
        var executions = 0;
        do
        {
            exit = _vp.Partition.Hypervisor.ExecuteHypercall(_vp);
            Assert.True(++executions < 5000, "the call never completed");
        }
        while (exit.Kind == HypercallExitKind.Continue);
        Assert.Equal(HypercallExitKind.Completed, exit.Kind);
        Exits.Add(exit);
        if (_vp.Architecture == HvArchitecture.X64)
        {
            block[HypercallRegisters.Result] = _vp.X64.Rax;
            block[HypercallRegisters.Control] = _vp.X64.Rcx;
            _vp.X64.ReadFastBlock(block.Slice(HypercallRegisters.FastBlock, Cpu.Capacity(HvArchitecture.X64)));
        }
        else
        {
            ((ReadOnlySpan<ulong>)_vp.Arm64.X).CopyTo(block);
        }
    }

    /// <summary>
    /// HvCall.Guest's issuing functions for guest code on <paramref name="vp"/>: the VP's input and output pages of the
    /// test layout (<see cref="TestMachine.InputPage"/>, <see cref="TestMachine.OutputPage"/>) shared with its memory.
    /// </summary>
    public static Hypercalls Issuer(VirtualProcessor vp, out GuestCpu cpu, NestedRouting? routing = null)
    {
        cpu = new GuestCpu(vp);
        var memory = vp.Partition.Memory;
        var input = TestMachine.InputPage(vp);
        var output = TestMachine.OutputPage(vp);
        var pages = new HypercallPages(new NativeGuestPage(memory.BaseAddress + (nint)input, input), new NativeGuestPage(memory.BaseAddress + (nint)output, output));
        return new Hypercalls(cpu, routing ?? NestedRouting.None, pages);
    }
}
