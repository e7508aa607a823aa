using System;
using HvCall.Abi;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Partitions;
using HvCall.VmBus.Messages;

namespace HvCall.Simulation.VmBus;

/// <summary>
/// How a VMBus server reaches the partition it serves: where the guest's control messages and channel signals come
/// from, how replies and interrupts go back, and the guest memory its rings live in. The server's protocol logic
/// (<see cref="VmBusHost"/>) is the same whatever the transport: L0's host code talks through host-owned ports and
/// the hypervisor's PostMessage/SignalEvent (<see cref="L0HostTransport"/>); a nested root serving its own guests
/// issues HvCallPostMessageDirect and HvCallSignalEventDirect to L1 from guest code (<see cref="RootServerTransport"/>).
/// </summary>
public interface IVmBusServerTransport
{
    /// <summary>The served partition's memory, where GPADL pages are resolved (the VMM's view of its guest's RAM).</summary>
    GuestMemory Memory { get; }

    /// <summary>The partition served (its hypervisor's trace stream and track name the server's VMBus events).</summary>
    Partition Served { get; }

    /// <summary>Hands the server what arrived since the last poll: control messages (<see cref="VmBusHost.Deliver"/>) and channel signals (<see cref="VmBusHost.Signalled"/>).</summary>
    /// <param name="server">The server.</param>
    void Poll(VmBusHost server);

    /// <summary>Makes guest VP <paramref name="vp"/> reachable for messages and signals.</summary>
    /// <param name="vp">The VP index the guest named (INITIATE_CONTACT's target VP, OPENCHANNEL's target VP).</param>
    /// <returns>False when the partition has no such VP.</returns>
    bool PrepareTarget(uint vp);

    /// <summary>Sends a control message into SINT 2 of guest VP <paramref name="vp"/>.</summary>
    /// <param name="vp">A prepared VP.</param>
    /// <param name="message">The VMBus message (at most 240 bytes).</param>
    /// <returns>SUCCESS; INSUFFICIENT_BUFFERS or OBJECT_IN_USE when the server should try again later; any other status is a failure.</returns>
    HvStatus Post(uint vp, ReadOnlySpan<byte> message);

    /// <summary>Sets event flag <paramref name="flag"/> in SINT 2 of guest VP <paramref name="vp"/> (an interrupt on a 0 → 1 change).</summary>
    /// <param name="vp">A prepared VP.</param>
    /// <param name="flag">The flag number (the channel's relid).</param>
    HvStatus Signal(uint vp, ushort flag);

    /// <summary>Starts listening for the guest's signals on an opened channel's connection id (one event port per open channel, as OpenVMM).</summary>
    /// <param name="offer">The channel.</param>
    /// <returns>SUCCESS or the status that prevented it.</returns>
    HvStatus OpenEvents(VmBusOffer offer);

    /// <summary>Stops listening on a closed channel's connection id: the guest's SignalEvent on it fails from then on.</summary>
    /// <param name="offer">The channel.</param>
    void CloseEvents(VmBusOffer offer);
}
