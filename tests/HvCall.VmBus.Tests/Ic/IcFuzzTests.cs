using System;
using System.Buffers.Binary;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using HvCall.VmBus.Ic;
using Microsoft.FSharp.Core;
using Xunit;

namespace HvCall.VmBus.Tests.Ic;

/// <summary>
/// Hostile input (vmbus-room.md, "Reading a hostile guest's ring": guest input never causes an exception): seeded
/// random and mutated payloads of 0..4096 bytes into every reader of both roles; the answer-in-place contract
/// (untouched on reject, only the documented bytes on answer); Linux's choice rule against an independent model;
/// and no allocation on the read/write paths.
/// </summary>
public sealed class IcFuzzTests
{
    private const int Seed = 0x1C_F022;
    private const int Iterations = 5000;

    /// <summary>Runs every reader and answerer on a copy of <paramref name="payload"/>; any exception fails the test.</summary>
    private static void Exercise(byte[] payload)
    {
        ReadOnlySpan<byte> read = payload;
        _ = IcFraming.ReadResponse(read, out _, out var body);
        Assert.True(body.Length <= Math.Max(0, payload.Length - 28));
        _ = IcFraming.TryReadRequest(read, out _);
        _ = NegotiateMessage.ReadResponse(read, out _, out _);
        _ = HeartbeatMessage.ReadResponse(read, 41, out _);
        _ = ShutdownMessage.ReadResponse(read, out _);

        // Each guest answer is then fed to the host readers, which reaches their deeper checks.
        var answered = CheckAnswer(payload, p => IcNegotiation.AnswerInPlace(p, IcVersions.LinuxFramework, IcVersions.LinuxShutdown, out _, out _),
            allowed: i => i is 18 or 19 or 25 || (i >= 28 && i < 32) || (i >= 36 && i < 44));
        Tally(NegotiateMessage.ReadResponse(answered, out _, out _));
        answered = CheckAnswer(payload, p => HeartbeatMessage.AnswerInPlace(p, out _), allowed: i => i == 25 || (i >= 28 && i < 36));
        var sent = payload.Length >= 36 ? BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(28)) : 41;
        Tally(HeartbeatMessage.ReadResponse(answered, sent, out _));
        Tally(HeartbeatMessage.ReadResponse(answered, sent + 1, out _));
        answered = CheckAnswer(payload, p => ShutdownMessage.AnswerInPlace(p, out _), allowed: i => i == 25 || (i >= 20 && i < 24));
        Tally(ShutdownMessage.ReadResponse(answered, out _));
        CheckAnswer(payload, p => IcFraming.AnswerUnsupportedInPlace(p), allowed: i => i == 25 || (i >= 20 && i < 24));
    }

    [ThreadStatic]
    private static int[]? t_outcomes;

    private static void Tally(IcReadStatus status) => (t_outcomes ??= new int[16])[(int)status]++;

    private delegate IcAnswerStatus Answerer(Span<byte> payload);

    private static byte[] CheckAnswer(byte[] original, Answerer answer, Func<int, bool> allowed)
    {
        var copy = (byte[])original.Clone();
        var status = answer(copy);
        for (var i = 0; i < copy.Length; i++)
        {
            if (copy[i] != original[i] && (!status.ShouldSend() || !allowed(i)))
                Assert.Fail($"{status}: byte {i} of a {copy.Length}-byte payload changed");
        }
        if (status.ShouldSend())
            Assert.Equal(0x05, copy[25]);
        return copy;
    }

    [Fact]
    public void RandomPayloadsNeverThrow()
    {
        var random = new Random(Seed);
        for (var n = 0; n < Iterations; n++)
        {
            var payload = new byte[random.Next(0, 4097)];
            random.NextBytes(payload);
            Exercise(payload);
        }
    }

    [Fact]
    public void MutatedValidPayloadsNeverThrow()
    {
        // Start from well-formed messages so the deep checks run, then corrupt sizes, counts, flags and lengths.
        var random = new Random(Seed + 1);
        t_outcomes = new int[16];
        byte[][] seeds =
        [
            Build(p => NegotiateMessage.WriteRequest(p, IcVersions.HostFramework, IcVersions.HostShutdown)),
            Build(p => NegotiateMessage.WriteRequest(p, IcVersions.HostFramework, IcVersions.HostHeartbeat)),
            Build(p => HeartbeatMessage.WriteRequest(p, new(3, 0), new(3, 0), ulong.MaxValue)),
            Build(p => ShutdownMessage.WriteRequest(p, new(3, 0), new(3, 2), ShutdownFlags.Hibernate)),
        ];
        int[] hotOffsets = [0, 4, 5, 6, 7, 12, 18, 19, 24, 25, 28, 29, 30, 31, 36];
        for (var n = 0; n < Iterations; n++)
        {
            var seed = seeds[random.Next(seeds.Length)];
            var payload = new byte[random.Next(0, 2) == 0 ? seed.Length : random.Next(0, 4097)];
            Array.Copy(seed, payload, Math.Min(seed.Length, payload.Length));
            if (random.Next(0, 2) == 0 && payload.Length >= 26)
                payload[25] = 0x05; // make it look like an answer so the host readers go deep
            for (var m = random.Next(0, 4); m > 0; m--)
            {
                var offset = hotOffsets[random.Next(hotOffsets.Length)];
                if (offset < payload.Length)
                    payload[offset] = (byte)(random.Next(0, 3) == 0 ? random.Next(0, 256) : random.Next(0, 3) switch { 0 => 0, 1 => 0xFF, _ => 101 });
            }
            Exercise(payload);
        }

        // The corpus reaches acceptance and the deep refusals, not only the first framing checks.
        var outcomes = t_outcomes!;
        Assert.True(outcomes[(int)IcReadStatus.Ok] > 100, $"Ok reached {outcomes[(int)IcReadStatus.Ok]} times");
        Assert.True(outcomes[(int)IcReadStatus.NoSupportedVersions] > 0);
        Assert.True(outcomes[(int)IcReadStatus.SequenceMismatch] > 0);
        Assert.True(outcomes[(int)IcReadStatus.BodyBeyondMessage] > 0);
    }

    private static byte[] Build(Func<byte[], int> write)
    {
        var buffer = new byte[IcFraming.MaxPayloadLength];
        return buffer[..write(buffer)];
    }

    [Fact]
    public void GuestChoiceMatchesAnIndependentModelOfLinuxsRule()
    {
        var version = Gen.Choose(0, 4).Two().Select(t => new IcVersion((ushort)t.Item1, (ushort)t.Item2));
        var list = version.ArrayOf().Select(a => a.Take(8).ToArray());
        var hostLists = Gen.Zip(list, list);
        var ourLists = Gen.Zip(list, list);
        var config = Config.QuickThrowOnFailure
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x1C), FSharpOption<int>.None)))
            .WithMaxTest(1000);
        Check.One(config, Prop.ForAll(
            Arb.From(hostLists), Arb.From(ourLists), (host, ours) =>
            {
                var (hostFw, hostSvc) = host;
                var (ourFw, ourSvc) = ours;
                var payload = new byte[NegotiateMessage.RequestLength(hostFw.Length, hostSvc.Length)];
                NegotiateMessage.WriteRequest(payload, hostFw, hostSvc);
                var status = IcNegotiation.AnswerInPlace(payload, ourFw, ourSvc, out var framework, out var service);

                // Model: the first of ours (in our order) present anywhere in the host's list.
                var modelFw = ourFw.Where(hostFw.Contains).Take(1).ToArray();
                var modelSvc = modelFw.Length == 0 ? [] : ourSvc.Where(hostSvc.Contains).Take(1).ToArray();
                var found = modelFw.Length == 1 && modelSvc.Length == 1;

                Assert.Equal(found ? IcAnswerStatus.Answered : IcAnswerStatus.AnsweredNoCommonVersion, status);
                var read = NegotiateMessage.ReadResponse(payload, out var hostFramework, out var hostMessage);
                if (found)
                {
                    Assert.Equal((modelFw[0], modelSvc[0]), (framework, service));
                    Assert.Equal(IcReadStatus.Ok, read);
                    Assert.Equal((framework, service), (hostFramework, hostMessage));
                }
                else if (hostFw.Length + hostSvc.Length >= 2)
                {
                    Assert.Equal(IcReadStatus.NoSupportedVersions, read);
                }
                else
                {
                    // Fewer than two host entries: Linux still writes icmsgsize 16, which now runs past the
                    // host's own msgsize (20 + 8 + 4·(fc+mc) < 36), so the host refuses the frame first.
                    Assert.Equal(IcReadStatus.BodyBeyondMessage, read);
                }
            }));
    }

    [Fact]
    public void RoundTripsDoNotAllocate()
    {
        var negotiate = new byte[NegotiateMessage.HostShutdownRequestLength];
        var heartbeat = new byte[HeartbeatMessage.RequestLength];
        var shutdown = new byte[ShutdownMessage.RequestLength];
        var failures = RoundTrips(negotiate, heartbeat, shutdown, 10); // warm up (JIT, static lists)

        var before = GC.GetAllocatedBytesForCurrentThread();
        failures += RoundTrips(negotiate, heartbeat, shutdown, 1000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
    }

    private static int RoundTrips(byte[] negotiate, byte[] heartbeat, byte[] shutdown, int count)
    {
        var failures = 0;
        for (var round = 0; round < count; round++)
        {
            NegotiateMessage.WriteRequest(negotiate, IcVersions.HostFramework, IcVersions.HostShutdown);
            failures += IcNegotiation.AnswerInPlace(negotiate, IcVersions.LinuxFramework, IcVersions.LinuxShutdown, out _, out _) == IcAnswerStatus.Answered ? 0 : 1;
            failures += NegotiateMessage.ReadResponse(negotiate, out var fw, out var sd) == IcReadStatus.Ok ? 0 : 1;

            HeartbeatMessage.WriteRequest(heartbeat, fw, new IcVersion(3, 0), (ulong)round);
            failures += HeartbeatMessage.AnswerInPlace(heartbeat, out _) == IcAnswerStatus.Answered ? 0 : 1;
            failures += HeartbeatMessage.ReadResponse(heartbeat, (ulong)round, out _) == IcReadStatus.Ok ? 0 : 1;

            ShutdownMessage.WriteRequest(shutdown, fw, sd, ShutdownFlags.Restart);
            failures += ShutdownMessage.AnswerInPlace(shutdown, out _) == IcAnswerStatus.Answered ? 0 : 1;
            failures += ShutdownMessage.ReadResponse(shutdown, out var status) == IcReadStatus.Ok && status == IcStatus.Ok ? 0 : 1;
        }
        return failures;
    }
}
