using System;
using System.Runtime.CompilerServices;

namespace HvCall.Hypervisor.Processors;

/// <summary>The x64 register file of a virtual processor: general registers, RIP and XMM0–XMM5.</summary>
public sealed class X64RegisterFile
{
    /// <summary>Length of VMCALL/VMMCALL, by which RIP advances when a hypercall completes.</summary>
    public const int HypercallInstructionLength = 3;

    /// <summary>Qwords in the fast hypercall block: RDX, R8 and XMM0–XMM5 (112 bytes).</summary>
    public const int FastQwords = 14;

#pragma warning disable CA1051 // A register file is plain state, as on the processor.
    /// <summary>RAX.</summary>
    public ulong Rax;
    /// <summary>RBX.</summary>
    public ulong Rbx;
    /// <summary>RCX.</summary>
    public ulong Rcx;
    /// <summary>RDX.</summary>
    public ulong Rdx;
    /// <summary>RSI.</summary>
    public ulong Rsi;
    /// <summary>RDI.</summary>
    public ulong Rdi;
    /// <summary>RBP.</summary>
    public ulong Rbp;
    /// <summary>RSP.</summary>
    public ulong Rsp;
    /// <summary>R8.</summary>
    public ulong R8;
    /// <summary>R9.</summary>
    public ulong R9;
    /// <summary>R10.</summary>
    public ulong R10;
    /// <summary>R11.</summary>
    public ulong R11;
    /// <summary>R12.</summary>
    public ulong R12;
    /// <summary>R13.</summary>
    public ulong R13;
    /// <summary>R14.</summary>
    public ulong R14;
    /// <summary>R15.</summary>
    public ulong R15;
    /// <summary>RIP.</summary>
    public ulong Rip;
    /// <summary>XMM0–XMM5 as 12 qwords: XMM<c>n</c> low is element 2n, high is 2n + 1.</summary>
    public XmmRegisters Xmm;
#pragma warning restore CA1051

    /// <summary>Qword <paramref name="index"/> of the fast hypercall block: 0 is RDX, 1 is R8, 2–13 are
    /// XMM0.low … XMM5.high (TLFS "XMM Fast Hypercall Input").</summary>
    /// <param name="index">0 to 13.</param>
    public ref ulong FastQword(int index)
    {
        switch (index)
        {
            case 0: return ref Rdx;
            case 1: return ref R8;
            default: return ref Xmm[index - 2];
        }
    }

    /// <summary>Copies the fast block out of the registers: RDX, R8, then XMM0–XMM5.</summary>
    /// <param name="destination">At least <see cref="FastQwords"/> qwords.</param>
    public void ReadFastBlock(Span<ulong> destination)
    {
        destination[0] = Rdx;
        destination[1] = R8;
        ((ReadOnlySpan<ulong>)Xmm).CopyTo(destination[2..FastQwords]);
    }

    /// <summary>Loads the fast block into the registers: RDX, R8, then XMM0–XMM5.</summary>
    /// <param name="source">At least <see cref="FastQwords"/> qwords.</param>
    public void WriteFastBlock(ReadOnlySpan<ulong> source)
    {
        Rdx = source[0];
        R8 = source[1];
        source[2..FastQwords].CopyTo(Xmm);
    }

    /// <summary>Six 128-bit XMM registers as 12 qwords.</summary>
    [InlineArray(12)]
    public struct XmmRegisters
    {
        private ulong _qword0;
    }
}

/// <summary>The ARM64 register file of a virtual processor: X0–X17 and PC.</summary>
public sealed class Arm64RegisterFile
{
    /// <summary>Length of <c>HVC #0</c>, by which PC advances when a hypercall completes.</summary>
    public const int HypercallInstructionLength = 4;

#pragma warning disable CA1051 // A register file is plain state, as on the processor.
    /// <summary>X0–X17.</summary>
    public GeneralRegisters X;
    /// <summary>PC.</summary>
    public ulong Pc;
#pragma warning restore CA1051

    /// <summary>X0–X17.</summary>
    [InlineArray(18)]
    public struct GeneralRegisters
    {
        private ulong _x0;
    }
}
