using System.Globalization;
using System.IO;

namespace HvCall.Benchmarks;

/// <summary>Signals per packet under a sustained burst (a count, not a timing): 1,048,576 packets through <see cref="EchoChannelPair"/>.</summary>
internal static class EchoSignals
{
    private const int Packets = 1 << 20;

    public static int Print(TextWriter output)
    {
        output.WriteLine("| machine | packet | packets | guest signals | host signals | guest signals / packet | all signals / packet |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var path in new[] { EchoPath.Flat, EchoPath.Nested, EchoPath.RootToL2 })
        {
            foreach (var size in new[] { 64, 1024 })
            {
                var pair = new EchoChannelPair(path, size);
                pair.Burst(Packets);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {Name(path)} | {size} B | {pair.Received} | {pair.GuestSignals} | {pair.HostSignals} | " +
                    $"{(double)pair.GuestSignals / pair.Received:0.00000} | {(double)(pair.GuestSignals + pair.HostSignals) / pair.Received:0.00000} |"));
            }
        }
        return 0;
    }

    private static string Name(EchoPath path) => path switch
    {
        EchoPath.Flat => "flat guest → L0",
        EchoPath.Nested => "nested root → L0",
        _ => "L2 guest → nested root",
    };
}
