using System.Globalization;
using System.IO;
using HvCall.Simulation.Machines;

namespace HvCall.Benchmarks;

/// <summary>Signals per packet under a sustained burst (a count, not a timing): 1,048,576 packets through <see cref="EchoChannelPair"/>.</summary>
internal static class EchoSignals
{
    private const int Packets = 1 << 20;

    public static int Print(TextWriter output)
    {
        output.WriteLine("| machine | packet | packets | guest signals | host signals | guest signals / packet | all signals / packet |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var topology in new[] { Topology.Flat, Topology.Nested })
        {
            foreach (var size in new[] { 64, 1024 })
            {
                var pair = new EchoChannelPair(topology, size);
                pair.Burst(Packets);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(topology == Topology.Flat ? "flat" : "nested")} | {size} B | {pair.Received} | {pair.GuestSignals} | {pair.HostSignals} | " +
                    $"{(double)pair.GuestSignals / pair.Received:0.00000} | {(double)(pair.GuestSignals + pair.HostSignals) / pair.Received:0.00000} |"));
            }
        }
        return 0;
    }
}
