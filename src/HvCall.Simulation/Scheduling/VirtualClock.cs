namespace HvCall.Simulation.Scheduling;

/// <summary>Virtual time in nanoseconds: advanced only by the simulation, never read from the host.</summary>
public sealed class VirtualClock : HvCall.Tracing.ITraceClock
{
    /// <summary>Nanoseconds since the start of the run.</summary>
    public long Now { get; private set; }

    /// <summary>Moves time forward.</summary>
    /// <param name="nanoseconds">A non-negative duration.</param>
    public void Advance(long nanoseconds)
    {
        System.ArgumentOutOfRangeException.ThrowIfNegative(nanoseconds);
        Now += nanoseconds;
    }
}
