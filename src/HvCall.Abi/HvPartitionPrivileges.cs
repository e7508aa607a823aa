using System;

namespace HvCall.Abi;

/// <summary>
/// The 64-bit partition privilege mask (<c>HV_PARTITION_PRIVILEGE_MASK</c>). The low half is reported
/// in CPUID 0x40000003 EAX, the high half in EBX.
/// </summary>
/// <remarks>TLFS "Feature Discovery" and the HV_PARTITION_PRIVILEGE_MASK data type.</remarks>
[Flags]
public enum HvPartitionPrivileges : ulong
{
    /// <summary>No privilege.</summary>
    None = 0,
    /// <summary>EAX bit 0: the VP run-time MSR.</summary>
    AccessVpRunTimeReg = 1UL << 0,
    /// <summary>EAX bit 1: the partition reference counter MSR.</summary>
    AccessPartitionReferenceCounter = 1UL << 1,
    /// <summary>EAX bit 2: the SynIC MSRs.</summary>
    AccessSynicRegs = 1UL << 2,
    /// <summary>EAX bit 3: the synthetic timer MSRs.</summary>
    AccessSyntheticTimerRegs = 1UL << 3,
    /// <summary>EAX bit 4: the APIC access MSRs (EOI, ICR, TPR).</summary>
    AccessIntrCtrlRegs = 1UL << 4,
    /// <summary>EAX bit 5: the GUEST_OS_ID and HYPERCALL MSRs.</summary>
    AccessHypercallMsrs = 1UL << 5,
    /// <summary>EAX bit 6: the VP_INDEX MSR.</summary>
    AccessVpIndex = 1UL << 6,
    /// <summary>EAX bit 7: the reset MSR.</summary>
    AccessResetReg = 1UL << 7,
    /// <summary>EAX bit 8: the statistics pages MSRs.</summary>
    AccessStatsReg = 1UL << 8,
    /// <summary>EAX bit 9: the reference TSC MSR.</summary>
    AccessPartitionReferenceTsc = 1UL << 9,
    /// <summary>EAX bit 10: the guest idle MSR.</summary>
    AccessGuestIdleReg = 1UL << 10,
    /// <summary>EAX bit 11: the TSC and APIC frequency MSRs.</summary>
    AccessFrequencyRegs = 1UL << 11,
    /// <summary>EAX bit 12: the debug MSRs.</summary>
    AccessDebugRegs = 1UL << 12,
    /// <summary>EAX bit 13: the reenlightenment control MSRs.</summary>
    AccessReenlightenmentControls = 1UL << 13,
    /// <summary>EBX bit 0: may create partitions.</summary>
    CreatePartitions = 1UL << 32,
    /// <summary>EBX bit 1: may call HvCallGetPartitionId.</summary>
    AccessPartitionId = 1UL << 33,
    /// <summary>EBX bit 2: may deposit and withdraw memory.</summary>
    AccessMemoryPool = 1UL << 34,
    /// <summary>EBX bit 4: may call HvCallPostMessage.</summary>
    PostMessages = 1UL << 36,
    /// <summary>EBX bit 5: may call HvCallSignalEvent.</summary>
    SignalEvents = 1UL << 37,
    /// <summary>EBX bit 6: may create ports.</summary>
    CreatePort = 1UL << 38,
    /// <summary>EBX bit 7: may connect to ports.</summary>
    ConnectPort = 1UL << 39,
    /// <summary>EBX bit 8: may access statistics.</summary>
    AccessStats = 1UL << 40,
    /// <summary>EBX bit 11: may use the debugging hypercalls.</summary>
    Debugging = 1UL << 43,
    /// <summary>EBX bit 12: may manage logical processors.</summary>
    CpuManagement = 1UL << 44,
    /// <summary>EBX bit 16: may use virtual secure mode.</summary>
    AccessVsm = 1UL << 48,
    /// <summary>EBX bit 17: may get and set registers of other partitions' VPs.</summary>
    AccessVpRegisters = 1UL << 49,
    /// <summary>EBX bit 19: fast hypercall output is available.</summary>
    FastHypercallOutput = 1UL << 51,
    /// <summary>EBX bit 20: may issue extended hypercalls (0x8001 and above).</summary>
    EnableExtendedHypercalls = 1UL << 52,
    /// <summary>EBX bit 21: may call HvCallStartVirtualProcessor.</summary>
    StartVirtualProcessor = 1UL << 53,
    /// <summary>EBX bit 22: the partition is isolated.</summary>
    Isolation = 1UL << 54,
}
