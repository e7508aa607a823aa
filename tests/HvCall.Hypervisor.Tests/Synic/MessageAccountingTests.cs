using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Synic;

/// <summary>
/// Accounting under interleaving: four VPs of one partition post to one port while the receiver consumes
/// with EOM at random points (a seeded schedule, so each row is reproducible). Senders retry on
/// INSUFFICIENT_BUFFERS as Linux's VMBus does. Every message must arrive exactly once, in FIFO order per
/// sender (TLFS: FIFO for a port bound to a specific VP), with one interrupt per delivery, and all 16
/// buffers must be free at the end.
/// </summary>
public sealed class MessageAccountingTests
{
    private const int Senders = 4;
    private const int PerSender = 40;

    public static TheoryData<HvArchitecture, int> Rows()
    {
        var data = new TheoryData<HvArchitecture, int>();
        foreach (var arch in Abis.Architectures)
            foreach (var seed in (int[])[1, 7, 42, 1234, 99991])
                data.Add(arch, seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Interleaved_posts_and_eoms_lose_and_duplicate_no_message(HvArchitecture arch, int seed)
    {
        var rig = new PortRig(arch, guestVps: Senders);
        var target = rig.Target;
        const int sint = PortRig.MessageSint;
        var random = new Random(seed);
        var next = new int[Senders];
        var received = new List<(int Sender, int Seq)>();
        var refusals = 0;
        var steps = 0;

        while (received.Count < Senders * PerSender)
        {
            Assert.True(++steps < 100_000, "no progress");
            var senderTurn = random.Next(10) < 7;
            var candidates = Enumerable.Range(0, Senders).Where(s => next[s] < PerSender).ToArray();
            if (senderTurn && candidates.Length > 0)
            {
                var s = candidates[random.Next(candidates.Length)];
                var payload = new byte[] { (byte)s, (byte)next[s], (byte)(next[s] >> 8) };
                var status = rig.Post(PortRig.MessageConnection, 1, payload, rig.Guest.VirtualProcessors[s]).Status;
                if (status == St.Success)
                    next[s]++;
                else
                    Assert.Equal(St.InsufficientBuffers, status); // the only transient failure; the sender retries
                if (status != St.Success)
                    refusals++;
                continue;
            }
            var slot = TestMachine.Slot(target, sint);
            if (BinaryPrimitives.ReadUInt32LittleEndian(slot) == 0)
                continue;
            received.Add((slot[16], slot[17] | (slot[18] << 8)));
            TestMachine.FreeSlot(target, sint);
            if ((slot[5] & 1) != 0)
                TestMachine.Eom(target);
        }

        Assert.Equal(Senders * PerSender, received.Distinct().Count());
        for (var s = 0; s < Senders; s++)
            Assert.Equal(Enumerable.Range(0, PerSender), received.Where(r => r.Sender == s).Select(r => r.Seq));
        Assert.Equal(Senders * PerSender, target.InterruptsFor(sint));
        Assert.Equal(0, target.Synic.QueuedMessages(sint));
        Assert.True(refusals > 0, "the schedule never filled the port's buffers");

        // All 16 buffers are free again (plus the now-empty slot).
        for (var i = 0; i < 17; i++)
            Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, [9]).Status);
        Assert.Equal(St.InsufficientBuffers, rig.Post(PortRig.MessageConnection, 1, [9]).Status);
    }
}
