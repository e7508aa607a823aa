using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Hypervisor.Ports;
using HvCall.Simulation.Faults;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using Xunit;

namespace HvCall.Simulation.Tests.Faults;

/// <summary>One PostMessage attempt at the VMBus host's message port: the message and what the port answered.</summary>
internal readonly record struct Attempt(byte[] Message, HvStatus Status)
{
    public uint Type => BinaryPrimitives.ReadUInt32LittleEndian(Message);
}

/// <summary>Wraps a port's admission and records every attempt it judged.</summary>
internal sealed class RecordingAdmission(IHostPortAdmission inner) : IHostPortAdmission
{
    public List<Attempt> Attempts { get; } = [];

    public HvStatus Admit(Port port, ReadOnlySpan<byte> payload)
    {
        var status = inner.Admit(port, payload);
        Attempts.Add(new Attempt(payload.ToArray(), status));
        return status;
    }
}

/// <summary>Fault runs built by hand, and readers of the control log with the numbers typed from the sheets.</summary>
internal static class FaultHarness
{
    // vmbus.md §1 message types, typed here independently of VmBusMessageType.
    public const uint OfferChannel = 1, RescindChannelOffer = 2, RequestOffers = 3, AllOffersDelivered = 4, OpenChannel = 5,
        OpenChannelResult = 6, CloseChannel = 7, GpadlHeader = 8, GpadlBody = 9, GpadlCreated = 10, GpadlTeardown = 11,
        GpadlTorndown = 12, RelIdReleased = 13, InitiateContact = 14, VersionResponse = 15, Unload = 16, UnloadResponse = 17;

    /// <summary>TLFS statuses (hyperv-abi.md): INSUFFICIENT_BUFFERS 0x13, TIMEOUT 0x78.</summary>
    public const ushort InsufficientBuffersCode = 0x13, TimeoutCode = 0x78;

    public static FaultScenarioSpec Spec(FaultPlan plan, Topology topology = Topology.Flat, int vps = 1, int l2Guests = 0,
        ChannelWorkload? workload = null, ulong seed = 1, bool trace = false) => new()
    {
        Machine = new MachineOptions
        {
            Topology = topology,
            VpCount = vps,
            L2Guests = topology == Topology.Nested ? l2Guests : null,
            Seed = seed,
            Trace = trace,
            MemorySize = 16UL << 20,
        },
        Workload = workload ?? new ChannelWorkload { HeartbeatRounds = 2, EchoPackets = 200, EchoPacketSize = 256, EchoRingPages = 8 },
        Plan = plan,
    };

    /// <summary>Builds the run and wraps each connection's admission in a recorder (L0's now; the L2 guests' are made later and not wrapped).</summary>
    public static (FaultRun Run, RecordingAdmission L0Attempts) Build(FaultScenarioSpec spec)
    {
        var run = new FaultRun(spec);
        var port = ((L0HostTransport)run.Connections[0].Server.Transport).MessagePort;
        var recorder = new RecordingAdmission(port.Admission!);
        port.Admission = recorder;
        return (run, recorder);
    }

    /// <summary>Runs to the end and asserts that it finished and every invariant held.</summary>
    public static FaultRun RunClean(FaultScenarioSpec spec, out RecordingAdmission attempts)
    {
        var (run, recorder) = Build(spec);
        attempts = recorder;
        Assert.True(run.Execute(), "the run did not finish");
        var violations = FaultInvariants.Check(run);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        return run;
    }

    public static uint Type(byte[] message) => BinaryPrimitives.ReadUInt32LittleEndian(message);

    /// <summary>The first u32 after the 8-byte header: the relid of RESCIND, CLOSECHANNEL, RELID_RELEASED, OPENCHANNEL, GPADL_CREATED; the gpadl of GPADL_TORNDOWN.</summary>
    public static uint Field8(byte[] message) => BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(8));

    public static uint Field12(byte[] message) => BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(12));

    /// <summary>The host → guest messages in the order the guest took them.</summary>
    public static List<byte[]> FromHost(VmBusClient client) => client.ControlLog.Where(r => r.FromHost).Select(r => r.Message).ToList();

    /// <summary>The guest → host messages the hypervisor accepted, in order.</summary>
    public static List<byte[]> FromGuest(VmBusClient client) => client.ControlLog.Where(r => !r.FromHost).Select(r => r.Message).ToList();

    /// <summary>The index in the log of the first message of <paramref name="type"/> whose field @8 is <paramref name="field"/>, or -1.</summary>
    public static int IndexOf(IReadOnlyList<ControlMessageRecord> log, bool fromHost, uint type, uint? field = null)
    {
        for (var i = 0; i < log.Count; i++)
        {
            if (log[i].FromHost == fromHost && Type(log[i].Message) == type && (field is null || Field8(log[i].Message) == field))
                return i;
        }
        return -1;
    }
}

/// <summary>Reads a channel's ring straight from guest memory, through the GPADL's PFNs as the guest sent them.</summary>
internal static class RingInspector
{
    /// <summary>
    /// The whole packets between the ring's published read and write indexes (transaction id, payload) and the status
    /// that ended the walk (Empty when every byte up to the write index was whole packets).
    /// </summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="client">The client (its control log holds the GPADL_HEADER).</param>
    /// <param name="relId">The channel.</param>
    /// <param name="ringPages">Pages of each ring.</param>
    /// <param name="downstream">The host → guest ring (else guest → host).</param>
    public static (List<(ulong Id, byte[] Payload)> Packets, HvCall.VmBus.Rings.RingStatus End) Pending(HvCall.Hypervisor.Memory.GuestMemory memory,
        VmBusClient client, uint relId, int ringPages, bool downstream)
    {
        // GPADL_HEADER (vmbus-datapath.md §2): relid @8, one range header @20, PFNs from @28 (no body for these sizes).
        var header = FaultHarness.FromGuest(client).First(m => FaultHarness.Type(m) == FaultHarness.GpadlHeader && FaultHarness.Field8(m) == relId);
        var pfns = new List<ulong>();
        for (var offset = 28; offset + 8 <= header.Length; offset += 8)
            pfns.Add(BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(offset)));
        Assert.Equal(2 * ringPages, pfns.Count);
        var ring = pfns.Skip(downstream ? ringPages : 0).Take(ringPages).ToArray();
        var data = ring.Skip(1).Select(pfn => memory.Page(pfn * 4096)).ToArray();
        var incoming = new HvCall.VmBus.Rings.IncomingRing(new HvCall.VmBus.Rings.RingMemory(memory.Page(ring[0] * 4096), data));
        var packets = new List<(ulong, byte[])>();
        var buffer = new byte[incoming.DataSize];
        while (true)
        {
            var status = incoming.TryRead(buffer, out var descriptor, out var length);
            if (status != HvCall.VmBus.Rings.RingStatus.Ok)
                return (packets, status);
            packets.Add((descriptor.TransactionId, buffer.AsSpan(0, length).ToArray()));
        }
    }
}
