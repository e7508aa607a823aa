using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.VmBus;
using HvCall.Tracing.Kvm;
using HvCall.Tracing.Perfetto;
using Xunit;

namespace HvCall.Simulation.Tests.Tracing;

/// <summary>
/// The Perfetto timeline of a nested run, checked against the trace-event format's rules (trace-formats.md §5): an
/// object with <c>traceEvents</c>; metadata naming every process and thread that has events; complete slices with a
/// duration that nest per thread; every flow id bound once as <c>flow_out</c> and once as <c>flow_in</c>; instants
/// thread-scoped; counters with numeric args.
/// </summary>
public sealed class PerfettoTimelineTests
{
    private static JsonElement[] Timeline(MachineOptions options, out SimulationReport report)
    {
        var machine = Machine.Build(options);
        var output = new MemoryStream();
        using (var writer = new PerfettoWriter(output, machine.Events, SimulatedProcessor.HypercallCostNs))
        {
            machine.Events.Attach(writer);
            report = VmBusBringUp.Run(machine, new ChannelWorkload { EchoPackets = 40 });
        }
        using var document = JsonDocument.Parse(output.ToArray());
        return document.RootElement.GetProperty("traceEvents").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private static string Ph(JsonElement e) => e.GetProperty("ph").GetString()!;

    [Fact]
    public void A_nested_run_has_named_tracks_nesting_slices_flows_with_both_ends_instants_and_counters()
    {
        var events = Timeline(new MachineOptions { Topology = Topology.Nested }, out var report);
        Assert.True(report.Succeeded);

        var processNames = events.Where(e => Ph(e) == "M" && e.GetProperty("name").GetString() == "process_name")
            .ToDictionary(e => e.GetProperty("pid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString());
        var threadNames = events.Where(e => Ph(e) == "M" && e.GetProperty("name").GetString() == "thread_name")
            .Select(e => (e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32())).ToHashSet();
        foreach (var e in events.Where(e => Ph(e) != "M"))
        {
            Assert.True(e.TryGetProperty("ts", out _));
            Assert.Contains(e.GetProperty("pid").GetInt32(), processNames.Keys);
            if (Ph(e) is "X" or "i")
                Assert.Contains((e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32()), threadNames);
        }
        // The layers of a nested machine: L1's root and L2 guest, L0's VM of L1 and its host.
        Assert.Contains("L1 root", processNames.Values);
        Assert.Contains("L0 l1-vm", processNames.Values);
        Assert.Contains("L1 l2-guest-0", processNames.Values);

        var slices = events.Where(e => Ph(e) == "X").ToList();
        Assert.NotEmpty(slices);
        foreach (var thread in slices.GroupBy(e => (e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32())))
        {
            // Perfetto converts µs to integer nanoseconds; compare there, not in binary fractions.
            static long Ns(double us) => (long)System.Math.Round(us * 1000);
            var open = new Stack<long>();
            foreach (var slice in thread.OrderBy(e => e.GetProperty("ts").GetDouble()).ThenByDescending(e => e.GetProperty("dur").GetDouble()))
            {
                var ts = Ns(slice.GetProperty("ts").GetDouble());
                var end = ts + Ns(slice.GetProperty("dur").GetDouble());
                Assert.True(slice.GetProperty("dur").GetDouble() > 0);
                while (open.Count > 0 && open.Peek() <= ts)
                    open.Pop();
                if (open.Count > 0)
                    Assert.True(end <= open.Peek(), $"slice at {ts} overlaps its parent on {thread.Key}");
                open.Push(end);
            }
        }

        var flowOut = slices.Where(e => e.TryGetProperty("flow_out", out _)).Select(e => e.GetProperty("bind_id").GetUInt64()).ToList();
        var flowIn = slices.Where(e => e.TryGetProperty("flow_in", out _)).Select(e => e.GetProperty("bind_id").GetUInt64()).ToList();
        Assert.NotEmpty(flowOut);
        Assert.Equal(flowOut.Count, flowOut.Distinct().Count());
        Assert.Equal(flowOut.Order(), flowIn.Order());
        // A flow goes from the root's slice to L0's, both the same nested call.
        var byFlow = slices.Where(e => e.TryGetProperty("bind_id", out _)).GroupBy(e => e.GetProperty("bind_id").GetUInt64());
        foreach (var flow in byFlow)
        {
            var source = flow.Single(e => e.TryGetProperty("flow_out", out _));
            var target = flow.Single(e => e.TryGetProperty("flow_in", out _));
            Assert.Equal("L1 root", processNames[source.GetProperty("pid").GetInt32()]);
            Assert.Equal("L0 l1-vm", processNames[target.GetProperty("pid").GetInt32()]);
            Assert.True(source.GetProperty("args").GetProperty("nested").GetBoolean());
            Assert.Equal(source.GetProperty("name").GetString(), target.GetProperty("name").GetString());
        }

        Assert.All(events.Where(e => Ph(e) == "i"), e => Assert.Equal("t", e.GetProperty("s").GetString()));
        Assert.Contains(events, e => Ph(e) == "i" && e.GetProperty("name").GetString() == "interrupt");
        Assert.Contains(events, e => Ph(e) == "i" && e.GetProperty("name").GetString() == "wrmsr EOM");
        var counters = events.Where(e => Ph(e) == "C").ToList();
        Assert.NotEmpty(counters);
        Assert.All(counters, c => Assert.Equal(JsonValueKind.Number, c.GetProperty("args").GetProperty("bytes").ValueKind));
    }

    [Fact]
    public void The_same_seed_gives_the_same_kvm_log_byte_for_byte()
    {
        static byte[] Log(ulong seed)
        {
            var machine = Machine.Build(new MachineOptions { Seed = seed, VpCount = 2 });
            var output = new MemoryStream();
            using (var writer = new KvmTraceWriter(output, machine.Events))
            {
                machine.Events.Attach(writer);
                VmBusBringUp.Run(machine, new ChannelWorkload { EchoPackets = 30 });
            }
            return output.ToArray();
        }

        var first = Log(7);
        Assert.Equal(first, Log(7));
        Assert.True(first.Length > 10_000);
    }
}
