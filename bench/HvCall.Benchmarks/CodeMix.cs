using System;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Catalog;

namespace HvCall.Benchmarks;

/// <summary>The three code mixes the routing benchmarks run over.</summary>
public enum MixKind
{
    /// <summary>Every operation is HvCallPostMessage (0x5C) from a VMBus call site.</summary>
    AllPostMessage,

    /// <summary>Codes drawn uniformly from every catalog code, extended codes included.</summary>
    Uniform,

    /// <summary>Exactly 10% PostMessage/SignalEvent, 90% other catalog codes, shuffled.</summary>
    NinetyPercentNonNested,
}

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny deterministic generator that bench/native/routing_bench.c
/// implements identically, so both programs build the same mixes from the same seed.
/// </summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64-bit output.</summary>
    public ulong Next()
    {
        var z = _state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value below <paramref name="bound"/> (plain modulo: the tiny bias is the same in C).</summary>
    /// <param name="bound">Exclusive upper bound, non-zero.</param>
    public int Below(int bound) => (int)(Next() % (ulong)bound);
}

/// <summary>
/// One mix: <see cref="Length"/> operations, each a call code and whether the operation's call site is one of
/// the two VMBus call sites (the static fact the Linux-style call-site ternary keys on).
/// </summary>
/// <remarks>
/// Generation (mirrored in C; every mix starts a fresh SplitMix64 with seed 42):
/// AllPostMessage = 0x5C everywhere. Uniform = catalog[Next() % n] for each entry.
/// NinetyPercentNonNested = the first Length/10 entries nested (Next() &amp; 1 ? 0x5D : 0x5C), the rest
/// other[Next() % m] where other = catalog minus the nested set, then a Fisher-Yates shuffle
/// (i from Length-1 down to 1, j = Next() % (i + 1)).
/// </remarks>
public sealed class CodeMix
{
    /// <summary>Operations per mix, and the OperationsPerInvoke of every mix benchmark.</summary>
    public const int Length = 4096;

    /// <summary>The seed of every mix.</summary>
    public const ulong Seed = 42;

    private CodeMix(MixKind kind, HvCallCode[] codes, bool[] vmbusCallSite)
    {
        Kind = kind;
        Codes = codes;
        VmbusCallSite = vmbusCallSite;
    }

    /// <summary>Which mix.</summary>
    public MixKind Kind { get; }

    /// <summary>The call codes, one per operation.</summary>
    public HvCallCode[] Codes { get; }

    /// <summary>Per operation: true when the call site is a VMBus site (PostMessage/SignalEvent).</summary>
    public bool[] VmbusCallSite { get; }

    /// <summary>The catalog's codes in ascending order (the single source of truth, also fed to the C program).</summary>
    public static HvCallCode[] CatalogCodes() => HypercallCatalog.All.Select(static info => info.Code).ToArray();

    /// <summary>The codes a nested root sends nested (PostMessage, SignalEvent), from the catalog.</summary>
    public static HashSet<HvCallCode> NestedCodes() => [.. HypercallCatalog.NestedWhenNestedRoot];

    /// <summary>Builds a mix.</summary>
    /// <param name="kind">Which mix.</param>
    public static CodeMix Create(MixKind kind)
    {
        var catalog = CatalogCodes();
        var nested = NestedCodes();
        var rng = new SplitMix64(Seed);
        var codes = new HvCallCode[Length];
        switch (kind)
        {
            case MixKind.AllPostMessage:
                Array.Fill(codes, HvCallCode.PostMessage);
                break;
            case MixKind.Uniform:
                for (var i = 0; i < Length; i++)
                    codes[i] = catalog[rng.Below(catalog.Length)];
                break;
            case MixKind.NinetyPercentNonNested:
                var other = catalog.Where(code => !nested.Contains(code)).ToArray();
                var nestedCount = Length / 10;
                for (var i = 0; i < Length; i++)
                {
                    codes[i] = i < nestedCount
                        ? ((rng.Next() & 1) != 0 ? HvCallCode.SignalEvent : HvCallCode.PostMessage)
                        : other[rng.Below(other.Length)];
                }
                for (var i = Length - 1; i > 0; i--)
                {
                    var j = rng.Below(i + 1);
                    (codes[i], codes[j]) = (codes[j], codes[i]);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown mix.");
        }
        var vmbus = codes.Select(code => nested.Contains(code)).ToArray();
        return new CodeMix(kind, codes, vmbus);
    }

    /// <summary>FNV-1a 64 over the codes (little-endian u16 each); the C program prints the same digest.</summary>
    public ulong Digest()
    {
        var hash = 0xCBF2_9CE4_8422_2325UL;
        foreach (var code in Codes)
        {
            hash = (hash ^ (byte)code.Value) * 0x0000_0100_0000_01B3UL;
            hash = (hash ^ (byte)(code.Value >> 8)) * 0x0000_0100_0000_01B3UL;
        }
        return hash;
    }

    /// <summary>The mix name, as BenchmarkDotNet shows the argument.</summary>
    public override string ToString() => Kind.ToString();
}
