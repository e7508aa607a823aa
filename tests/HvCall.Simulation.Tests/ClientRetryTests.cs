using System;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using HvCall.VmBus.Messages;
using Xunit;
using static HvCall.Simulation.Tests.SimulationHarness;

namespace HvCall.Simulation.Tests;

/// <summary>
/// The guest VMBus client's PostMessage retry policy and its wait timeout, against hosts built here from a bare host port
/// (no VmBusHost): hyperv-abi.md §8 "Linux's VMBus retries PostMessage up to 100 times with back-off on
/// INVALID_CONNECTION_ID, INSUFFICIENT_MEMORY and INSUFFICIENT_BUFFERS; any other failure is fatal"; machine-model.md
/// "Control path": a failed INITIATE_CONTACT moves on to the next version (Linux's vmbus_post_msg does not retry
/// INVALID_CONNECTION_ID there), and a wait gives up after 20,000 scheduler steps. These tests pin that policy.
/// </summary>
public sealed class ClientRetryTests
{
    private const uint HostPortId = 0x40;
    private const uint ReplyPortId = 0x4001;
    private const ushort InsufficientBuffers = 0x13;
    private const ushort InvalidConnectionId = 0x12;
    private const ushort AccessDenied = 0x6;

    /// <summary>A host port that keeps whatever arrives (it never frees a buffer) or drains it, and may answer INITIATE_CONTACT.</summary>
    private sealed class BareHost(HvCall.Hypervisor.HvHypervisor hypervisor, Partition host, bool drain, uint? answerWithConnection) : IHostPortSink
    {
        public int Received { get; private set; }

        public void OnMessage(Port port)
        {
            if (!drain)
                return;
            var message = new byte[HvMessage.Size];
            while (port.TryReceive(message))
            {
                Received++;
                var payload = HvMessage.Payload(message);
                if (answerWithConnection is { } connection && VmBusProtocol.TypeOf(payload) == VmBusMessageType.InitiateContact)
                {
                    var reply = VmBusProtocol.WriteVersionResponse(new byte[VmBusProtocol.VersionResponseSize], supported: true, connection);
                    Assert.Equal(HvStatus.Success, hypervisor.PostMessage(host, new HvConnectionId(ReplyPortId), VmBusProtocol.SynicMessageType, reply));
                }
            }
        }

        public void OnEvent(Port port, ushort flagNumber) => throw new InvalidOperationException("no event port here");
    }

    /// <summary>A flat machine whose host serves connection id 4 (not 1) with a bare port, and can reply into guest VP 0's SINT 2.</summary>
    private static (Machine Machine, BareHost Host) Build(bool drain, uint? answerWithConnection = null, HvPartitionPrivileges? privileges = null)
    {
        var builder = Machine.Builder();
        if (privileges is { } granted)
            builder = builder.WithPrivileges(granted);
        var machine = builder.Build();
        var hv = machine.L0;
        var host = new BareHost(hv, machine.Host, drain, answerWithConnection);
        Assert.Equal(HvStatus.Success, hv.CreateHostPort(machine.Host, HostPortId, PortType.Message, host));
        Assert.Equal(HvStatus.Success, hv.ConnectPort(machine.VmBusPartition, 4, machine.Host, HostPortId));
        Assert.Equal(HvStatus.Success, hv.CreatePort(machine.VmBusPartition, ReplyPortId, PortType.Message, 0, 2));
        Assert.Equal(HvStatus.Success, hv.ConnectPort(machine.Host, ReplyPortId, machine.VmBusPartition, ReplyPortId));
        return (machine, host);
    }

    private static VmBusClient Run(Machine machine)
    {
        var client = new VmBusClient(machine.GuestVps, machine.GuestPages, new ChannelWorkload());
        machine.Scheduler.Spawn("vp0", client.RunVp(machine.GuestVps[0]));
        Assert.True(machine.Scheduler.Run(1_000_000), "the client never finished");
        Assert.True(client.Finished);
        return client;
    }

    private static HypercallTraceEntry[] Posts(Machine machine) => machine.Trace.Entries.Where(e => Is(e, PostMessageCode)).ToArray();

    [Fact]
    public void Insufficient_buffers_is_retried_100_times_with_back_off_then_the_next_version_is_tried()
    {
        var (machine, host) = Build(drain: false);
        // The host never takes a message: fill its port's 16 buffers first (hyperv-abi.md §8: 16 per port).
        for (var i = 0; i < 16; i++)
            Assert.Equal(HvStatus.Success, machine.L0.PostMessage(machine.VmBusPartition, new HvConnectionId(4), 1, [0xEE]));
        Assert.Equal(HvStatus.InsufficientBuffers, machine.L0.PostMessage(machine.VmBusPartition, new HvConnectionId(4), 1, [0xEE]));

        var client = Run(machine);

        // 5.3, 5.2, 5.1, 5.0 go to connection 4: 100 attempts each, all INSUFFICIENT_BUFFERS; 4.1, 4.0, 3.0, 2.4 go to
        // connection 1, which this host lacks: INVALID_CONNECTION_ID, not retried for INITIATE_CONTACT.
        var posts = Posts(machine);
        Assert.Equal(4 * 100 + 4, posts.Length);
        Assert.All(posts[..400], e => Assert.Equal(InsufficientBuffers, (ushort)e.Result.Status));
        Assert.All(posts[400..], e => Assert.Equal(InvalidConnectionId, (ushort)e.Result.Status));
        Assert.All(posts, e => Assert.Equal(1, e.Executions));

        // Back-off: between two attempts of one message the guest lets at least one scheduler step pass (1 µs, plus the
        // 100 ns of the failed attempt), and the wait never shrinks from one retry to the next.
        for (var version = 0; version < 4; version++)
        {
            var times = posts.Skip(100 * version).Take(100).Select(e => e.Time).ToArray();
            var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToArray();
            Assert.All(gaps, gap => Assert.True(gap >= 1_100, $"version {version}: retried after {gap} ns"));
            for (var i = 1; i < gaps.Length; i++)
                Assert.True(gaps[i] >= gaps[i - 1], $"version {version}: back-off shrank from {gaps[i - 1]} to {gaps[i]} ns at retry {i + 1}");
            Assert.True(gaps[^1] > gaps[0], $"version {version}: no back-off ({gaps[0]} ns throughout)");
        }

        Assert.False(client.Connected);
        Assert.Equal(8, client.Errors.Count);
        Assert.All(client.Errors.Take(4), e => Assert.Contains("HV_STATUS_INSUFFICIENT_BUFFERS", e, StringComparison.Ordinal));
        Assert.All(client.Errors.Skip(4), e => Assert.Contains("HV_STATUS_INVALID_CONNECTION_ID", e, StringComparison.Ordinal));
        Assert.Equal(0, host.Received);
    }

    [Fact]
    public void Access_denied_is_not_retried_each_version_is_posted_once()
    {
        var (machine, _) = Build(drain: true, privileges: PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages);

        var client = Run(machine);

        var posts = Posts(machine);
        Assert.Equal(8, posts.Length); // one INITIATE_CONTACT per Linux version, none repeated
        Assert.All(posts, e => Assert.Equal(AccessDenied, (ushort)e.Result.Status));
        Assert.False(client.Connected);
        Assert.Equal(8, client.Errors.Count);
        Assert.All(client.Errors, e => Assert.Contains("HV_STATUS_ACCESS_DENIED", e, StringComparison.Ordinal));
    }

    [Fact]
    public void A_control_message_to_an_unknown_connection_is_retried_100_times_then_fails()
    {
        // The host accepts 5.3 at once but names message connection 0x2A, which does not exist: REQUESTOFFERS (a control
        // post, where INVALID_CONNECTION_ID is transient) is tried 100 times, then the client gives up.
        var (machine, host) = Build(drain: true, answerWithConnection: 0x2A);

        var client = Run(machine);

        var posts = Posts(machine);
        Assert.Equal(1 + 100, posts.Length);
        Assert.Equal(HvStatus.Success, posts[0].Result.Status);
        Assert.All(posts[1..], e => Assert.Equal(InvalidConnectionId, (ushort)e.Result.Status));
        Assert.Equal(1, host.Received);
        Assert.Equal(Version53, client.Version);
        Assert.False(client.Connected);
        var error = Assert.Single(client.Errors);
        Assert.Contains("connection 42", error, StringComparison.Ordinal);
        Assert.Contains("HV_STATUS_INVALID_CONNECTION_ID", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wait_for_a_reply_gives_up_after_20000_steps()
    {
        // The host takes INITIATE_CONTACT and never answers.
        var (machine, host) = Build(drain: true);

        var client = Run(machine);

        var post = Assert.Single(Posts(machine));
        Assert.Equal(HvStatus.Success, post.Result.Status);
        Assert.Equal(1, host.Received);
        var error = Assert.Single(client.Errors);
        Assert.Contains("timed out waiting for VERSION_RESPONSE", error, StringComparison.Ordinal);
        Assert.False(client.Connected);
        // One actor, one wait per scheduler step: the run ends just after the 20,000th.
        Assert.InRange(machine.Scheduler.Steps, 20_000, 20_005);
        Assert.InRange(machine.Scheduler.Now, 20_000 * 1_000L, 20_005 * 1_000L + 100);
    }
}
