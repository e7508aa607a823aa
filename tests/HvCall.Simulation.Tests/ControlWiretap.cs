using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor.Ports;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using Xunit;

namespace HvCall.Simulation.Tests;

/// <summary>
/// A wiretap on message connection 1, where a 5.x guest sends everything after VERSION_RESPONSE: connection 1 is
/// re-pointed from the VMBus host's port to a tap port in the host partition, which records each message's bytes
/// and forwards them unchanged to the VMBus host's port through a host-side connection. Install it before the
/// guest starts (<see cref="SimulationHarness.RunHosted"/>'s prepare).
/// </summary>
internal sealed class ControlWiretap : IHostPortSink
{
    private const uint TapPort = 0x7A9;
    private const uint ForwardConnection = 0x7A9;

    private readonly Machine _machine;
    private readonly byte[] _buffer = new byte[HvMessage.Size];

    private ControlWiretap(Machine machine) => _machine = machine;

    /// <summary>Every control message posted to connection 1, in arrival order.</summary>
    public List<byte[]> Messages { get; } = [];

    /// <summary>Called with each message before it is forwarded (the host has not seen it yet).</summary>
    public System.Action<byte[]>? BeforeForward { get; set; }

    /// <summary>The status of each forward to the VMBus host.</summary>
    public List<HvStatus> Forwards { get; } = [];

    public static ControlWiretap Install(Machine machine)
    {
        var tap = new ControlWiretap(machine);
        var l0 = machine.L0;
        Assert.Equal(HvStatus.Success, l0.DisconnectPort(machine.VmBusPartition, 1));
        Assert.Equal(HvStatus.Success, l0.CreateHostPort(machine.Host, TapPort, PortType.Message, tap));
        Assert.Equal(HvStatus.Success, l0.ConnectPort(machine.VmBusPartition, 1, machine.Host, TapPort));
        Assert.Equal(HvStatus.Success, l0.ConnectPort(machine.Host, ForwardConnection, machine.Host, L0HostTransport.HostMessagePort));
        return tap;
    }

    public void OnMessage(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        while (port.TryReceive(_buffer))
        {
            var payload = HvMessage.Payload(_buffer).ToArray();
            Messages.Add(payload);
            BeforeForward?.Invoke(payload);
            Forwards.Add(_machine.L0.PostMessage(_machine.Host, new HvConnectionId(ForwardConnection), HvMessage.Type(_buffer), payload));
        }
    }

    public void OnEvent(Port port, ushort flagNumber) => throw new InvalidOperationException("the tap is a message port");

    /// <summary>msgtype, u32 @0 (vmbus.md §1).</summary>
    public static uint Type(byte[] message) => BinaryPrimitives.ReadUInt32LittleEndian(message);

    public static uint U32(byte[] message, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(offset));

    public static ushort U16(byte[] message, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(offset));

    public static ulong U64(byte[] message, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(offset));

    public IEnumerable<byte[]> OfType(uint type) => Messages.Where(m => Type(m) == type);

    /// <summary>
    /// The GPADL of <paramref name="relId"/> as the guest sent it: the GPADL_HEADER (type 8; relid @8, gpadl @12,
    /// range_buflen @16, rangecount @18, range header @20, PFNs from @28) and the GPADL_BODYs (type 9; gpadl @12,
    /// PFNs from @16) that follow it back to back.
    /// </summary>
    public (byte[] Header, List<byte[]> Bodies, ulong[] Pfns) Gpadl(uint relId)
    {
        var at = Messages.FindIndex(m => Type(m) == 8 && U32(m, 8) == relId);
        Assert.True(at >= 0, $"no GPADL_HEADER for channel {relId}");
        var header = Messages[at];
        var gpadl = U32(header, 12);
        var bodies = Messages.Skip(at + 1).TakeWhile(m => Type(m) == 9 && U32(m, 12) == gpadl).ToList();
        var pfns = new List<ulong>();
        for (var offset = 28; offset + 8 <= header.Length; offset += 8)
            pfns.Add(U64(header, offset));
        foreach (var body in bodies)
        {
            for (var offset = 16; offset + 8 <= body.Length; offset += 8)
                pfns.Add(U64(body, offset));
        }
        return (header, bodies, pfns.ToArray());
    }
}
