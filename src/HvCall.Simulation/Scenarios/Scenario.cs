namespace HvCall.Simulation.Scenarios;

/// <summary>
/// The runs that put the routing design's "always nested or never" assumption to the test on the nested machine
/// (docs/nested-usage-patterns.md). Each is also a test.
/// </summary>
public enum Scenario
{
    /// <summary>
    /// Every call lands where it must: the root's VMBus client calls go nested to L0, its management calls and its
    /// Direct calls to its L2 guests go to L1 without the bit, and its guests' calls go to L1.
    /// </summary>
    Default,
    /// <summary>
    /// The root reaches its guests with plain PostMessage/SignalEvent through L1 connections: the routing table
    /// sends them nested to L0, which fails them with INVALID_CONNECTION_ID; the same call sites then use the
    /// explicit per-call target and L1 delivers.
    /// </summary>
    NaiveRoot,
    /// <summary>The root's routing table switched off: its own VMBus fails at L1 as without the design, while its L2 guests' VMBus, served with Direct calls, still works.</summary>
    RoutingNone,
}

/// <summary>Scenario names as the CLI spells them.</summary>
public static class ScenarioNames
{
    /// <summary>"default", "naive-root" or "routing-none".</summary>
    /// <param name="scenario">The scenario.</param>
    public static string Spell(Scenario scenario) => scenario switch
    {
        Scenario.NaiveRoot => "naive-root",
        Scenario.RoutingNone => "routing-none",
        _ => "default",
    };
}
