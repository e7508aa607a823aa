using System;
using System.Diagnostics;
using System.Globalization;
using HvCall.Simulation.Faults;

// hvcall-faults [count] [seed] [--verbose]: runs `count` seeded fault scenarios (seeds seed, seed+1, …), each drawn by
// FaultScenarioSpec.Draw and checked by FaultInvariants; prints scenarios/s, what the faults did and every violation.
// Exit code 0 when every scenario passed, 1 when one broke an invariant, 2 on bad arguments.
var count = 10_000L;
var seed = 1UL;
var verbose = false;
var positional = 0;
foreach (var arg in args)
{
    if (arg is "--verbose" or "-v")
    {
        verbose = true;
        continue;
    }
    var ok = positional switch
    {
        0 => long.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count > 0,
        1 => ulong.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out seed),
        _ => false,
    };
    if (!ok)
    {
        Console.Error.WriteLine("usage: run.sh [count (default 10000)] [first seed (default 1)] [--verbose]");
        return 2;
    }
    positional++;
}

var total = new FaultActivity();
long failed = 0, steps = 0, flat = 0, nested = 0, children = 0, storms = 0, rescinds = 0, lost = 0, delayed = 0;
var clock = Stopwatch.StartNew();
for (var i = 0L; i < count; i++)
{
    var outcome = FaultScenario.Run(seed + (ulong)i);
    total += outcome.Activity;
    steps += outcome.Steps;
    var spec = outcome.Spec;
    if (spec.Machine.Topology == HvCall.Simulation.Machines.Topology.Nested) nested++; else flat++;
    children += spec.Machine.L2GuestCount;
    if (spec.Plan.PostStorms.Count > 0) storms++;
    if (spec.Plan.Rescind is not null) rescinds++;
    if (spec.Plan.LostSignal is not null) lost++;
    if (spec.Plan.MaxReplyDelay > 0) delayed++;
    if (verbose)
        Console.WriteLine($"{(outcome.Passed ? "ok  " : "FAIL")} {spec} | {outcome.Steps} steps | {outcome.Activity}");
    if (!outcome.Passed)
    {
        failed++;
        if (!verbose)
            Console.WriteLine($"FAIL {spec}");
        foreach (var violation in outcome.Violations)
            Console.WriteLine($"     {violation}");
    }
}
clock.Stop();
var seconds = clock.Elapsed.TotalSeconds;
Console.WriteLine($"scenarios: {count} (seeds {seed}..{seed + (ulong)count - 1}); flat {flat}, nested {nested} with {children} L2 guests");
Console.WriteLine($"plans: reply delays {delayed}, PostMessage storms {storms}, rescinds planned {rescinds}, lost signals planned {lost}");
Console.WriteLine($"faults: {total}");
Console.WriteLine($"steps: {steps} ({steps / count} per scenario)");
Console.WriteLine($"time: {seconds:F1} s, {count / seconds:F1} scenarios/s");
Console.WriteLine($"violations: {failed} scenario(s)");
return failed == 0 ? 0 : 1;
