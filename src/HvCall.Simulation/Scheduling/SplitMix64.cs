namespace HvCall.Simulation.Scheduling;

/// <summary>A small seeded random source (SplitMix64): the same seed gives the same sequence on every machine.</summary>
public sealed class SplitMix64
{
    private ulong _state;

    /// <summary>Seeds the source.</summary>
    /// <param name="seed">The seed.</param>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        var z = _state += 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, <paramref name="bound"/>).</summary>
    /// <param name="bound">The exclusive upper bound, at least 1.</param>
    public int Next(int bound) => (int)(Next() % (ulong)bound);
}
