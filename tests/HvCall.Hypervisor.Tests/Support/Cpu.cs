using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Processors;
using Xunit;

namespace HvCall.Hypervisor.Tests.Support;

/// <summary>The outcome of one hypercall issued with <see cref="Cpu.Issue"/>.</summary>
internal sealed record Outcome(HypercallExit Exit, ulong Result, byte[] Output)
{
    public ushort Status => Words.Status(Result);
    public int Reps => Words.RepsCompleted(Result);
}

/// <summary>
/// Drives a VP's register file the way guest code would (facts §5): x64 RCX control, RDX/R8/XMM0–5 block,
/// RAX result, RIP + 3; ARM64 X0 = 0x46000001, X1 control, X2–X17 block, X0 result, PC + 4.
/// </summary>
internal static class Cpu
{
    public const ulong Arm64FunctionId = 0x4600_0001;

    public static int Capacity(HvArchitecture arch) => arch == HvArchitecture.X64 ? 14 : 16;

    public static int InstructionLength(HvArchitecture arch) => arch == HvArchitecture.X64 ? 3 : 4;

    public static ulong Result(VirtualProcessor vp) => vp.Architecture == HvArchitecture.X64 ? vp.X64.Rax : vp.Arm64.X[0];

    public static ulong ControlRegister(VirtualProcessor vp) => vp.Architecture == HvArchitecture.X64 ? vp.X64.Rcx : vp.Arm64.X[1];

    public static ulong Ip(VirtualProcessor vp) => vp.Architecture == HvArchitecture.X64 ? vp.X64.Rip : vp.Arm64.Pc;

    /// <summary>The register holding block qword <paramref name="i"/>, by its architectural name.</summary>
    public static string BlockRegisterName(HvArchitecture arch, int i) => arch == HvArchitecture.X64
        ? i switch { 0 => "RDX", 1 => "R8", _ => $"XMM{(i - 2) / 2}.{((i - 2) % 2 == 0 ? "lo" : "hi")}" }
        : $"X{2 + i}";

    public static ulong GetBlock(VirtualProcessor vp, int i)
    {
        if (vp.Architecture == HvArchitecture.Arm64)
            return vp.Arm64.X[2 + i];
        return i switch { 0 => vp.X64.Rdx, 1 => vp.X64.R8, _ => vp.X64.Xmm[i - 2] };
    }

    public static void SetBlock(VirtualProcessor vp, int i, ulong value)
    {
        if (vp.Architecture == HvArchitecture.Arm64)
            vp.Arm64.X[2 + i] = value;
        else if (i == 0)
            vp.X64.Rdx = value;
        else if (i == 1)
            vp.X64.R8 = value;
        else
            vp.X64.Xmm[i - 2] = value;
    }

    /// <summary>Loads the control word and the given block qwords and executes the hypercall instruction once.</summary>
    public static HypercallExit Hvcall(VirtualProcessor vp, ulong control, params ReadOnlySpan<ulong> block)
    {
        Load(vp, control, block);
        return vp.Partition.Hypervisor.ExecuteHypercall(vp);
    }

    /// <summary>Loads the control word (and on ARM64 the SMCCC function id) and the given block qwords, without executing.</summary>
    public static void Load(VirtualProcessor vp, ulong control, params ReadOnlySpan<ulong> block)
    {
        if (vp.Architecture == HvArchitecture.X64)
        {
            vp.X64.Rcx = control;
        }
        else
        {
            vp.Arm64.X[0] = Arm64FunctionId;
            vp.Arm64.X[1] = control;
        }
        for (var i = 0; i < block.Length; i++)
            SetBlock(vp, i, block[i]);
    }

    /// <summary>Executes the instruction again (the processor re-executing a continued hypercall), leaving registers as they are.</summary>
    public static HypercallExit Reexecute(VirtualProcessor vp) => vp.Partition.Hypervisor.ExecuteHypercall(vp);

    /// <summary>Packs bytes into little-endian qwords, zero padded.</summary>
    public static ulong[] Qwords(ReadOnlySpan<byte> bytes)
    {
        var q = new ulong[(bytes.Length + 7) / 8];
        var padded = new byte[q.Length * 8];
        bytes.CopyTo(padded);
        for (var i = 0; i < q.Length; i++)
            q[i] = BinaryPrimitives.ReadUInt64LittleEndian(padded.AsSpan(i * 8));
        return q;
    }

    /// <summary>First block qword of fast output: the register pair after the input (input rounded up to 16 bytes).</summary>
    public static int FastOutputStart(int inputLength) => ((inputLength + 15) / 16) * 2;

    /// <summary>Reads <paramref name="length"/> bytes of the block starting at qword <paramref name="start"/>.</summary>
    public static byte[] ReadBlockBytes(VirtualProcessor vp, int start, int length)
    {
        var bytes = new byte[length];
        Span<byte> q = stackalloc byte[8];
        for (var i = 0; i * 8 < length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(q, GetBlock(vp, start + i));
            q[..Math.Min(8, length - i * 8)].CopyTo(bytes.AsSpan(i * 8));
        }
        return bytes;
    }

    /// <summary>
    /// Issues a call in either mode. Slow: input written at the VP's input page, output read from its output
    /// page. Fast: the fast bit is set, the input packed into the block, the output read from the registers
    /// after the input.
    /// </summary>
    public static Outcome Issue(VirtualProcessor vp, ulong control, bool fast, ReadOnlySpan<byte> input, int outputLength)
    {
        HypercallExit exit;
        byte[] output;
        if (fast)
        {
            exit = Hvcall(vp, control | Words.FastBit, Qwords(input));
            var start = FastOutputStart(input.Length);
            output = start * 8 + outputLength <= Capacity(vp.Architecture) * 8 ? ReadBlockBytes(vp, start, outputLength) : [];
        }
        else
        {
            var memory = vp.Partition.Memory;
            Assert.True(memory.TryWrite(TestMachine.InputPage(vp), input));
            exit = Hvcall(vp, control & ~Words.FastBit, TestMachine.InputPage(vp), TestMachine.OutputPage(vp));
            output = new byte[outputLength];
            Assert.True(memory.TryRead(TestMachine.OutputPage(vp), output));
        }
        return new Outcome(exit, Result(vp), output);
    }

    /// <summary>Re-executes a continued call until it completes; returns the executions and the final exit.</summary>
    public static (HypercallExit Exit, int Executions, List<ulong> Controls) RunToCompletion(VirtualProcessor vp, HypercallExit first)
    {
        var exit = first;
        var executions = 1;
        var controls = new List<ulong>();
        while (exit.Kind == HypercallExitKind.Continue)
        {
            controls.Add(ControlRegister(vp));
            Assert.True(executions < 5000, "the call never completed");
            exit = Reexecute(vp);
            executions++;
        }
        return (exit, executions, controls);
    }
}
