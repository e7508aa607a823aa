using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HvCall.Abi;
using HvCall.Abi.Catalog;

namespace HvCall.Guest.Routing;

/// <summary>
/// The nested routing table: one bit per normal call code (512 bits, 64 bytes) saying whether the
/// call carries the nested bit (bit 31 of the control word). Built once at early init and immutable
/// afterwards; all zero when not running as a nested root, so the issuing path needs no "are we
/// nested" test.
/// </summary>
/// <remarks>
/// TLFS "Nested Virtualization": a root partition whose hypervisor runs inside a Hyper-V VM sends
/// HvCallPostMessage and HvCallSignalEvent to the L0 hypervisor with the nested bit. Codes of 512 and
/// above (every extended call) are never nested; the lookup yields zero for them without a branch.
/// </remarks>
public sealed class NestedRouting
{
    /// <summary>Size of the table in bytes.</summary>
    public const int SizeInBytes = HypercallCatalog.NormalCodeLimit / 8;

    private RoutingBits _bits;

    private NestedRouting(ReadOnlySpan<HvCallCode> nestedCodes)
    {
        foreach (var code in nestedCodes)
        {
            if (code.Value >= HypercallCatalog.NormalCodeLimit)
                throw new ArgumentException($"Code 0x{code.Value:X4} cannot be routed nested: only codes below 0x{HypercallCatalog.NormalCodeLimit:X} have a bit, and extended calls are never nested.", nameof(nestedCodes));
            _bits[code.Value >> 6] |= 1UL << (code.Value & 63);
        }
    }

    /// <summary>The table of a partition that is not a nested root: every bit clear.</summary>
    public static NestedRouting None { get; } = new([]);

    /// <summary>A table with every normal code set: "always to the parent hypervisor", for explicit targeting.</summary>
    internal static NestedRouting AllNormalCodes { get; } = new(AllCodesBelowLimit());

    /// <summary>Builds the table for a configuration.</summary>
    /// <param name="configuration">Architecture and whether this partition is a nested root.</param>
    /// <exception cref="NotSupportedException">Nested routing requested on ARM64.</exception>
    public static NestedRouting Create(RoutingConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.NestedRoot)
            return None;
        if (configuration.Architecture == HvArchitecture.Arm64)
            throw new NotSupportedException("Nested routing is x64-only: Hyper-V has no nested virtualization on ARM64, so an ARM64 partition is never a nested root.");
        return new NestedRouting(configuration.NestedCodes.IsDefault
            ? HypercallCatalog.NestedWhenNestedRoot.AsSpan()
            : configuration.NestedCodes.AsSpan());
    }

    /// <summary>The nested bit (<see cref="HypercallControl.NestedBit"/>) for <paramref name="code"/>, or zero.
    /// One load, a shift and a mask; no branch.</summary>
    /// <param name="code">The call code.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong FlagFor(HvCallCode code)
    {
        uint value = code.Value;
        // 1 when value < 512: the subtraction wraps and sets bit 31; 0 otherwise.
        ulong inRange = (value - HypercallCatalog.NormalCodeLimit) >> 31;
        ulong word = Unsafe.Add(ref MemoryMarshal.GetReference((ReadOnlySpan<ulong>)_bits), (int)((value >> 6) & 7));
        return ((word >> (int)(value & 63)) & inRange) << 31;
    }

    /// <summary>True when <paramref name="code"/> is sent nested.</summary>
    /// <param name="code">The call code.</param>
    public bool IsNested(HvCallCode code) => FlagFor(code) != 0;

    /// <summary>True when any bit is set.</summary>
    public bool IsEnabled => ((ReadOnlySpan<ulong>)_bits).IndexOfAnyExcept(0UL) >= 0;

    /// <summary>The table's 64 bytes, bit <c>n</c> of byte <c>n / 8</c> being code <c>n</c>.</summary>
    public ReadOnlySpan<byte> Bytes => MemoryMarshal.AsBytes((ReadOnlySpan<ulong>)_bits);

    /// <summary>The codes whose bit is set, in ascending order.</summary>
    public IReadOnlyList<HvCallCode> Codes
    {
        get
        {
            var codes = new List<HvCallCode>();
            for (ushort code = 0; code < HypercallCatalog.NormalCodeLimit; code++)
            {
                if (IsNested(code))
                    codes.Add(code);
            }
            return codes;
        }
    }

    private static HvCallCode[] AllCodesBelowLimit()
    {
        var codes = new HvCallCode[HypercallCatalog.NormalCodeLimit];
        for (var i = 0; i < codes.Length; i++)
            codes[i] = new HvCallCode((ushort)i);
        return codes;
    }

    [InlineArray(SizeInBytes / sizeof(ulong))]
    private struct RoutingBits
    {
        private ulong _word0;
    }
}
