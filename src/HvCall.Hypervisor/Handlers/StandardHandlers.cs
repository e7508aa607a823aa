using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;

namespace HvCall.Hypervisor.Handlers;

/// <summary>The handlers every simulated hypervisor registers.</summary>
internal static class StandardHandlers
{
    public static void RegisterAll(HypercallDispatcher dispatcher)
    {
        dispatcher.Register(HvCallCode.PostMessage, MessageHandlers.PostMessage);
        dispatcher.Register(HvCallCode.SignalEvent, MessageHandlers.SignalEvent);
        dispatcher.Register(HvCallCode.GetVpRegisters, RegisterHandlers.GetVpRegisters);
        dispatcher.Register(HvCallCode.SetVpRegisters, RegisterHandlers.SetVpRegisters);
        dispatcher.Register(HvCallCode.GetPartitionId, PartitionHandlers.GetPartitionId);
        dispatcher.Register(HvCallCode.NotifyLongSpinWait, PartitionHandlers.NotifyLongSpinWait);
        dispatcher.Register(HvCallCode.FlushVirtualAddressSpace, PartitionHandlers.FlushVirtualAddressSpace);
        dispatcher.Register(HvCallCode.FlushVirtualAddressList, PartitionHandlers.FlushVirtualAddressList);
        dispatcher.Register(HvCallCode.SendSyntheticClusterIpi, PartitionHandlers.SendSyntheticClusterIpi);
        dispatcher.Register(HvCallCode.ExtQueryCapabilities, PartitionHandlers.ExtQueryCapabilities);
        dispatcher.Register(HvCallCode.CreatePort, PortHandlers.CreatePort);
        dispatcher.Register(HvCallCode.ConnectPort, PortHandlers.ConnectPort);
        dispatcher.Register(HvCallCode.DeletePort, PortHandlers.DeletePort);
        dispatcher.Register(HvCallCode.DisconnectPort, PortHandlers.DisconnectPort);
        dispatcher.Register(HvCallCode.SignalEventDirect, DirectHandlers.SignalEventDirect);
        dispatcher.Register(HvCallCode.PostMessageDirect, DirectHandlers.PostMessageDirect);
    }
}
