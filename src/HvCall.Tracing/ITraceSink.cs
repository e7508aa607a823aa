namespace HvCall.Tracing;

/// <summary>Receives the events of a <see cref="TraceStream"/>, in the order they happen.</summary>
public interface ITraceSink
{
    /// <summary>One event. Called on the simulation's thread; must not keep a reference to the event.</summary>
    /// <param name="traceEvent">The event.</param>
    void Write(in TraceEvent traceEvent);
}

/// <summary>The time events are stamped with (a simulation's virtual clock).</summary>
public interface ITraceClock
{
    /// <summary>Nanoseconds since the start of the run.</summary>
    long Now { get; }
}
