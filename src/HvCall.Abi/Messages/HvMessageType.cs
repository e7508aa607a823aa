namespace HvCall.Abi.Messages;

/// <summary>SynIC message types (<c>HV_MESSAGE_TYPE</c>).</summary>
/// <remarks>
/// TLFS "Inter-Partition Communication", "SynIC Message Types". Types with the most significant bit
/// set are reserved for the hypervisor; a guest's HvCallPostMessage type must have it clear.
/// </remarks>
public static class HvMessageType
{
    /// <summary>HvMessageTypeNone: the slot is free.</summary>
    public const uint None = 0;
    /// <summary>The type VMBus uses for its control messages.</summary>
    public const uint VmBus = 1;
    /// <summary>The bit that marks hypervisor-generated types.</summary>
    public const uint HypervisorBit = 0x8000_0000;
    /// <summary>HvMessageTypeUnmappedGpa.</summary>
    public const uint UnmappedGpa = 0x8000_0000;
    /// <summary>HvMessageTypeGpaIntercept.</summary>
    public const uint GpaIntercept = 0x8000_0001;
    /// <summary>HvMessageTypeTimerExpired.</summary>
    public const uint TimerExpired = 0x8000_0010;
    /// <summary>HvMessageTypeInvalidVpRegisterValue.</summary>
    public const uint InvalidVpRegisterValue = 0x8000_0020;
    /// <summary>HvMessageTypeUnrecoverableException.</summary>
    public const uint UnrecoverableException = 0x8000_0021;
    /// <summary>HvMessageTypeUnsupportedFeature.</summary>
    public const uint UnsupportedFeature = 0x8000_0022;
}
