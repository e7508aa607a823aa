using System;
using HvCall.VmBus.Rings;
using HvCall.VmBus.Tests.Rings.Support;
using Xunit;

namespace HvCall.VmBus.Tests.Rings;

/// <summary>vmbus-room.md §2: TryRead / TryWrite / Commit must be allocation-free per packet.</summary>
public sealed class RingAllocationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Round_trips_of_a_64_byte_packet_allocate_nothing(bool paged)
    {
        var ring = TestRing.Create(paged, 2, seed: 8);
        new RingControl(ring.Memory).InitializeAsGuest();
        var writer = new OutgoingRing(ring.Memory);
        var reader = new IncomingRing(ring.Memory);
        var payload = new byte[64];
        var buffer = new byte[64];
        for (var i = 0; i < payload.Length; i++)
            payload[i] = (byte)i;

        var failures = RoundTrips(writer, reader, payload, buffer, 2000); // warm-up (JIT tiers, statics)
        var before = GC.GetAllocatedBytesForCurrentThread();
        failures += RoundTrips(writer, reader, payload, buffer, 1000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, failures);
        Assert.Equal(0L, allocated);
        Assert.Equal(payload, buffer);
    }

    private static int RoundTrips(OutgoingRing writer, IncomingRing reader, byte[] payload, byte[] buffer, int count)
    {
        var failures = 0;
        for (var i = 0; i < count; i++)
        {
            if (writer.TryWrite(VmBusPacketType.DataInBand, (ulong)i, payload) != RingStatus.Ok)
                failures++;
            writer.Commit();
            if (reader.TryRead(buffer, out var descriptor, out var length) != RingStatus.Ok || length != 64 || descriptor.TransactionId != (ulong)i)
                failures++;
            reader.Commit();
        }
        return failures;
    }
}
