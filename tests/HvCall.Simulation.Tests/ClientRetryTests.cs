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
/// INVALID_CONNECTION_ID, INSUFFICIENT_MEMORY and INSUFFICIENT_BUFFERS; any other failure is fatal", with exponential
/// back-off (host-implementations.md §7); machine-model.md
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

    // Exponential back-off (host-implementations.md §7, Linux's vmbus_post_msg): between retry k and k + 1 the guest waits at
    // least 2^(k-1) µs, so each gap is at least twice the first: 1, 2, 4, 8 … µs (plus the 100 ns of the failed attempt).
    private static void AssertExponentialBackOff(HypercallTraceEntry[] attempts)
    {
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b.Time - a.Time).ToArray();
        for (var k = 0; k < gaps.Length; k++)
            Assert.True(gaps[k] >= (1L << k) * 1_000, $"retry {k + 1} came {gaps[k]} ns after the attempt before it, not after {1L << k} µs");
    }

    [Fact]
    public void Insufficient_buffers_is_retried_with_exponential_back_off_until_the_host_frees_a_buffer()
    {
        var (machine, host) = Build(drain: false);
        // The host takes nothing at first: fill its port's 16 buffers (hyperv-abi.md §8: 16 per port).
        for (var i = 0; i < 16; i++)
            Assert.Equal(HvStatus.Success, machine.L0.PostMessage(machine.VmBusPartition, new HvConnectionId(4), 1, [0xEE]));
        Assert.Equal(HvStatus.InsufficientBuffers, machine.L0.PostMessage(machine.VmBusPartition, new HvConnectionId(4), 1, [0xEE]));
        // After the guest's 10th refused INITIATE_CONTACT the host frees its buffers.
        machine.Scheduler.Spawn("host", FreeBuffersAfter(machine, refusals: 10), daemon: true);

        var client = new VmBusClient(machine.GuestVps, machine.GuestPages, new ChannelWorkload());
        machine.Scheduler.Spawn("vp0", client.RunVp(machine.GuestVps[0]));
        machine.Scheduler.Run(200_000);

        var posts = Posts(machine);
        Assert.True(posts.Length >= 11);
        Assert.All(posts[..10], e => Assert.Equal(InsufficientBuffers, (ushort)e.Result.Status));
        Assert.Equal(HvStatus.Success, posts[10].Result.Status); // the same INITIATE_CONTACT (5.3), not the next version
        Assert.All(posts, e => Assert.Equal(1, e.Executions));
        AssertExponentialBackOff(posts[..11]);
        Assert.DoesNotContain(client.Errors, e => e.Contains("INSUFFICIENT_BUFFERS", StringComparison.Ordinal));
    }

    private static System.Collections.Generic.IEnumerable<object?> FreeBuffersAfter(Machine machine, int refusals)
    {
        while (Posts(machine).Count(e => (ushort)e.Result.Status == InsufficientBuffers) < refusals)
            yield return null;
        var port = machine.L0.Ports.Single(p => p.Id == HostPortId);
        var message = new byte[HvMessage.Size];
        while (port.TryReceive(message))
        {
        }
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
    public void A_control_message_to_an_unknown_connection_keeps_being_retried_with_exponential_back_off()
    {
        // The host accepts 5.3 at once but names message connection 0x2A, which does not exist: REQUESTOFFERS is a control
        // post, where INVALID_CONNECTION_ID is transient (host-implementations.md §7), so the client retries it with
        // exponential back-off (100 tries would take minutes of virtual time; 100 ms of it is watched here).
        var (machine, host) = Build(drain: true, answerWithConnection: 0x2A);
        var client = new VmBusClient(machine.GuestVps, machine.GuestPages, new ChannelWorkload());
        machine.Scheduler.Spawn("vp0", client.RunVp(machine.GuestVps[0]));

        Assert.False(machine.Scheduler.Run(100_000), "the client gave up within 100 ms");

        var posts = Posts(machine);
        Assert.Equal(HvStatus.Success, posts[0].Result.Status);
        Assert.InRange(posts.Length - 1, 10, 99);
        Assert.All(posts[1..], e => Assert.Equal(InvalidConnectionId, (ushort)e.Result.Status));
        AssertExponentialBackOff(posts[1..]);
        Assert.Equal(1, host.Received);
        Assert.Equal(Version53, client.Version);
        Assert.False(client.Connected);
        Assert.Empty(client.Errors);
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
