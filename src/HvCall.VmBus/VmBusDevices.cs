using System;
using System.Collections.Immutable;

namespace HvCall.VmBus;

/// <summary>VMBus device classes (offer <c>if_type</c> GUIDs) the simulated hosts offer, with their real GUIDs.</summary>
/// <remarks>vmbus.md §5 (Linux <c>HV_*_GUID</c>); the echo device is HvCall's own.</remarks>
public static class VmBusDevices
{
    /// <summary>Synthetic network adapter (hv_netvsc).</summary>
    public static Guid Network { get; } = new("f8615163-df3e-46c5-913f-f2d2f965ed0e");
    /// <summary>Synthetic SCSI controller (hv_storvsc).</summary>
    public static Guid Storage { get; } = new("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
    /// <summary>Heartbeat integration component (hv_utils).</summary>
    public static Guid Heartbeat { get; } = new("57164f39-9115-4e78-ab55-382f3bd5422d");
    /// <summary>Shutdown integration component (hv_utils).</summary>
    public static Guid Shutdown { get; } = new("0e0b6031-5213-4934-818b-38d90ced39db");
    /// <summary>
    /// HvCall's echo device: a throughput channel whose host sends every in-band packet back unchanged
    /// (same transaction id, same payload). Not a Microsoft device; no real guest driver binds to it.
    /// </summary>
    public static Guid Echo { get; } = new("e5c0be7a-4876-4361-8a6c-6c6563686f00");

    /// <summary>The default device set, in relid order: network, storage, heartbeat, shutdown, echo.</summary>
    public static ImmutableArray<(string Name, Guid Type)> Default { get; } =
        [("network", Network), ("storage", Storage), ("heartbeat", Heartbeat), ("shutdown", Shutdown), ("echo", Echo)];

    /// <summary>The name of a known interface type ("network", "heartbeat", …), or its GUID.</summary>
    /// <param name="type">The interface type.</param>
    public static string NameOf(Guid type)
    {
        foreach (var (name, guid) in Default)
        {
            if (guid == type)
                return name;
        }
        return type.ToString();
    }
}
