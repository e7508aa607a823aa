using System;
using HvCall.VmBus;

namespace HvCall.Simulation.VmBus;

/// <summary>Which guest driver binds to an offered device class, as Linux's <c>vmbus_devs[]</c> table decides.</summary>
public static class GuestDevices
{
    /// <summary>The driver for <paramref name="interfaceType"/>; <see cref="GuestDevice.None"/> for network and storage, which the simulated guest has no driver for.</summary>
    /// <param name="interfaceType">The offer's if_type.</param>
    public static GuestDevice For(Guid interfaceType) =>
        interfaceType == VmBusDevices.Heartbeat ? GuestDevice.Heartbeat :
        interfaceType == VmBusDevices.Shutdown ? GuestDevice.Shutdown :
        interfaceType == VmBusDevices.Echo ? GuestDevice.Echo :
        GuestDevice.None;
}
