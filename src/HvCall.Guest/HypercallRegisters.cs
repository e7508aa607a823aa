using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HvCall.Guest;

/// <summary>
/// The registers a hypercall instruction reads and writes, as one block of 18 qwords laid out so
/// that both architectures share it slot for slot.
/// </summary>
/// <remarks>
/// <para>Slot map (TLFS "Hypercall Interface", register conventions):</para>
/// <list type="table">
/// <listheader><term>slot</term><description>x64 / ARM64 (SMCCC)</description></listheader>
/// <item><term>0</term><description>RAX result / X0: function id 0x46000001 in, result out</description></item>
/// <item><term>1</term><description>RCX / X1: control word (rewritten with the new rep start on continuation)</description></item>
/// <item><term>2</term><description>RDX / X2: input GPA, or fast qword 0</description></item>
/// <item><term>3</term><description>R8 / X3: output GPA, or fast qword 1</description></item>
/// <item><term>4–15</term><description>XMM0.low, XMM0.high … XMM5.high / X4–X15</description></item>
/// <item><term>16–17</term><description>unused / X16–X17</description></item>
/// </list>
/// <para>A fast block qword <c>i</c> is always slot <c>2 + i</c>: 14 qwords (112 bytes) on x64,
/// 16 qwords (128 bytes) on ARM64.</para>
/// </remarks>
[InlineArray(Count)]
public struct HypercallRegisters
{
    /// <summary>Number of slots.</summary>
    public const int Count = 18;
    /// <summary>Slot of the result (RAX / X0).</summary>
    public const int Result = 0;
    /// <summary>Slot of the control word (RCX / X1).</summary>
    public const int Control = 1;
    /// <summary>Slot of the input GPA or fast qword 0 (RDX / X2).</summary>
    public const int Input = 2;
    /// <summary>Slot of the output GPA or fast qword 1 (R8 / X3).</summary>
    public const int Output = 3;
    /// <summary>Slot of fast qword 0; fast qword <c>i</c> is slot <c>FastBlock + i</c>.</summary>
    public const int FastBlock = 2;

    private ulong _slot0;

    /// <summary>The slots as a span.</summary>
    /// <param name="registers">The block.</param>
    public static Span<ulong> AsSpan(ref HypercallRegisters registers) =>
        MemoryMarshal.CreateSpan(ref registers._slot0, Count);
}
