using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace HvCall.Abi.Tests.Support;

/// <summary>
/// FsCheck with a fixed seed: every run generates the same cases, so a failure reproduces exactly.
/// </summary>
internal static class Deterministic
{
    /// <summary>The fixed seed ("HvCall" in ASCII).</summary>
    public const ulong Seed = 0x4876_4361_6C6C;

    /// <summary>Throws on failure, replays the fixed seed, runs 1000 cases.</summary>
    public static Config Config { get; } = Config.QuickThrowOnFailure
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed), FSharpOption<int>.None)))
        .WithMaxTest(1000);

    /// <summary>Any 64-bit value: uniformly over the whole range, sparse bit patterns, and edge values.</summary>
    public static Arbitrary<ulong> UInt64 { get; } = Arb.From(Gen.Frequency(
        (4, Gen.Choose(0, 0xFFFF).Four().Select(t =>
            ((ulong)(uint)t.Item1 << 48) | ((ulong)(uint)t.Item2 << 32) | ((ulong)(uint)t.Item3 << 16) | (uint)t.Item4)),
        (2, Gen.Choose(0, 63).ArrayOf(3).Select(bits => bits.Aggregate(0UL, (acc, bit) => acc | (1UL << bit)))),
        (1, Gen.Elements(0UL, ulong.MaxValue, 1UL << 31, 1UL << 63, 0x8000_005CUL, 0xFFFF_FFFFUL))));

    /// <summary>Any 32-bit value over the whole range.</summary>
    public static Arbitrary<uint> UInt32 { get; } = Arb.From(UInt64.Generator.Select(v => (uint)(v ^ (v >> 32))));

    /// <summary>Any 16-bit value.</summary>
    public static Arbitrary<ushort> UInt16 { get; } = Arb.From(Gen.Choose(0, 0xFFFF).Select(v => (ushort)v));

    /// <summary>An integer in [low, high].</summary>
    public static Arbitrary<int> Range(int low, int high) => Arb.From(Gen.Choose(low, high));

    /// <summary>Checks a property with <see cref="Config"/>.</summary>
    public static void Check(Property property) => FsCheck.Check.One(Config, property);
}

/// <summary>Bit-field arithmetic written independently of the code under test, from bit positions in the facts sheet.</summary>
internal static class Bits
{
    /// <summary>The mask of bits hi:lo.</summary>
    public static ulong Mask(int hi, int lo) => (hi - lo == 63 ? ulong.MaxValue : ((1UL << (hi - lo + 1)) - 1)) << lo;

    /// <summary>Bits hi:lo of <paramref name="value"/>, shifted down.</summary>
    public static ulong Get(ulong value, int hi, int lo) => (value & Mask(hi, lo)) >> lo;

    /// <summary><paramref name="value"/> with bits hi:lo replaced by <paramref name="field"/>.</summary>
    public static ulong Set(ulong value, int hi, int lo, ulong field) => (value & ~Mask(hi, lo)) | ((field << lo) & Mask(hi, lo));
}
