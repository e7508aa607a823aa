using HvCall.Abi;
using HvCall.Hypervisor.Processors;

namespace HvCall.Hypervisor.Dispatch;

/// <summary>
/// Moves a hypercall between a VP's register file and a <see cref="HypercallFrame"/>, one adapter
/// per architecture (TLFS "Hypercall Interface", register conventions).
/// </summary>
internal static class RegisterAdapters
{
    /// <summary>The SMCCC function id of a Hyper-V hypercall (X0).</summary>
    public const ulong Arm64FunctionId = 0x4600_0001;

    /// <summary>SMCCC NOT_SUPPORTED (-1), returned in X0 for any other function id.</summary>
    public const ulong SmcccNotSupported = ulong.MaxValue;

    /// <summary>Reads the frame; false when the instruction is not a Hyper-V hypercall (ARM64, another SMCCC function).</summary>
    public static bool TryRead(VirtualProcessor vp, ref HypercallFrame frame)
    {
        if (vp.Architecture == HvArchitecture.X64)
        {
            var r = vp.X64;
            frame.Control = new HypercallControl(r.Rcx);
            frame.Capacity = X64RegisterFile.FastQwords;
            r.ReadFastBlock(frame.Block);
            return true;
        }
        var a = vp.Arm64;
        frame.Capacity = 16;
        if (a.X[0] != Arm64FunctionId)
            return false;
        frame.Control = new HypercallControl(a.X[1]);
        ((System.ReadOnlySpan<ulong>)a.X)[2..].CopyTo(frame.Block);
        return true;
    }

    /// <summary>Completes the instruction: result register, fast output registers, instruction pointer past it.</summary>
    public static void Complete(VirtualProcessor vp, ref HypercallFrame frame, ulong result)
    {
        WriteFastOutput(vp, ref frame);
        if (vp.Architecture == HvArchitecture.X64)
        {
            vp.X64.Rax = result;
            vp.X64.Rip += X64RegisterFile.HypercallInstructionLength;
        }
        else
        {
            vp.Arm64.X[0] = result;
            vp.Arm64.Pc += Arm64RegisterFile.HypercallInstructionLength;
        }
    }

    /// <summary>Continues a rep call: fast output of the reps done so far, the control register gets the new
    /// rep start, and the instruction pointer stays on the instruction.</summary>
    public static void Continue(VirtualProcessor vp, ref HypercallFrame frame, HypercallControl control)
    {
        WriteFastOutput(vp, ref frame);
        if (vp.Architecture == HvArchitecture.X64)
            vp.X64.Rcx = control.Value;
        else
            vp.Arm64.X[1] = control.Value;
    }

    private static void WriteFastOutput(VirtualProcessor vp, ref HypercallFrame frame)
    {
        var end = frame.OutputStart + frame.OutputLength;
        for (var i = frame.OutputStart; i < end; i++)
        {
            if (vp.Architecture == HvArchitecture.Arm64)
                vp.Arm64.X[2 + i] = frame.Block[i];
            else
                vp.X64.FastQword(i) = frame.Block[i];
        }
    }
}
