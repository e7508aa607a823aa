using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace HvCall.Guest.Tests.Support;

/// <summary>FsCheck with a fixed seed, so every run generates the same cases.</summary>
internal static class Deterministic
{
    public const ulong Seed = 0x4E65_7374_6564; // "Nested"

    public static Config Config { get; } = Config.QuickThrowOnFailure
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed), FSharpOption<int>.None)))
        .WithMaxTest(2000);

    /// <summary>Any 32-bit value; half the cases near the synthetic MSR range 0x40000000–0x40002000.</summary>
    public static Arbitrary<uint> Msr { get; } = Arb.From(Gen.OneOf(
        Gen.Choose(0, 0xFFFF).Two().Select(t => ((uint)t.Item1 << 16) | (uint)t.Item2),
        Gen.Choose(0, 0x2000).Select(offset => 0x4000_0000u + (uint)offset),
        Gen.Choose(0, 0x3F).Select(offset => 0x4000_0070u + (uint)offset)));

    public static void Check(Property property) => FsCheck.Check.One(Config, property);
}
