using System;

namespace HvCall.Abi;

/// <summary>
/// A hypercall call code (bits 15:0 of the control word). Open: any 16-bit value is representable,
/// including codes the catalog does not know.
/// </summary>
/// <remarks>
/// TLFS "Hypercall Interface" and the hypercall reference pages. Normal codes are below 0x8000;
/// extended codes (<c>HvExtCall*</c>) start at 0x8001 and are gated by the EnableExtendedHypercalls
/// privilege. Names come from <see cref="Catalog.HypercallCatalog"/>, the single source of truth.
/// </remarks>
/// <param name="Value">The raw 16-bit code.</param>
public readonly record struct HvCallCode(ushort Value) : IComparable<HvCallCode>
{
    /// <summary>The first extended call code (<c>HvExtCallQueryCapabilities</c>).</summary>
    public const ushort FirstExtended = 0x8001;

    /// <summary>True for extended call codes (0x8001 and above).</summary>
    public bool IsExtended => Value >= FirstExtended;

    /// <summary>The catalog name (<c>HvCallPostMessage</c>) or <c>0x1234</c> for an unknown code.</summary>
    public override string ToString() =>
        Catalog.HypercallCatalog.TryGet(this, out var info) ? info.Name : $"0x{Value:X4}";

    /// <inheritdoc/>
    public int CompareTo(HvCallCode other) => Value.CompareTo(other.Value);

    /// <summary>Wraps a raw code.</summary>
    /// <param name="value">The raw 16-bit code.</param>
    public static implicit operator HvCallCode(ushort value) => new(value);

    /// <summary><c>HvCallSwitchVirtualAddressSpace</c> (0x0001).</summary>
    public static HvCallCode SwitchVirtualAddressSpace => new(0x0001);
    /// <summary><c>HvCallFlushVirtualAddressSpace</c> (0x0002).</summary>
    public static HvCallCode FlushVirtualAddressSpace => new(0x0002);
    /// <summary><c>HvCallFlushVirtualAddressList</c> (0x0003).</summary>
    public static HvCallCode FlushVirtualAddressList => new(0x0003);
    /// <summary><c>HvCallGetLogicalProcessorRunTime</c> (0x0004).</summary>
    public static HvCallCode GetLogicalProcessorRunTime => new(0x0004);
    /// <summary><c>HvCallNotifyLongSpinWait</c> (0x0008).</summary>
    public static HvCallCode NotifyLongSpinWait => new(0x0008);
    /// <summary><c>HvCallInvokeHypervisorDebugger</c> (0x000A).</summary>
    public static HvCallCode InvokeHypervisorDebugger => new(0x000A);
    /// <summary><c>HvCallSendSyntheticClusterIpi</c> (0x000B).</summary>
    public static HvCallCode SendSyntheticClusterIpi => new(0x000B);
    /// <summary><c>HvCallModifyVtlProtectionMask</c> (0x000C).</summary>
    public static HvCallCode ModifyVtlProtectionMask => new(0x000C);
    /// <summary><c>HvCallEnablePartitionVtl</c> (0x000D).</summary>
    public static HvCallCode EnablePartitionVtl => new(0x000D);
    /// <summary><c>HvCallEnableVpVtl</c> (0x000F).</summary>
    public static HvCallCode EnableVpVtl => new(0x000F);
    /// <summary><c>HvCallVtlCall</c> (0x0011).</summary>
    public static HvCallCode VtlCall => new(0x0011);
    /// <summary><c>HvCallVtlReturn</c> (0x0012).</summary>
    public static HvCallCode VtlReturn => new(0x0012);
    /// <summary><c>HvCallFlushVirtualAddressSpaceEx</c> (0x0013).</summary>
    public static HvCallCode FlushVirtualAddressSpaceEx => new(0x0013);
    /// <summary><c>HvCallFlushVirtualAddressListEx</c> (0x0014).</summary>
    public static HvCallCode FlushVirtualAddressListEx => new(0x0014);
    /// <summary><c>HvCallSendSyntheticClusterIpiEx</c> (0x0015).</summary>
    public static HvCallCode SendSyntheticClusterIpiEx => new(0x0015);
    /// <summary><c>HvCallCreatePartition</c> (0x0040).</summary>
    public static HvCallCode CreatePartition => new(0x0040);
    /// <summary><c>HvCallInitializePartition</c> (0x0041).</summary>
    public static HvCallCode InitializePartition => new(0x0041);
    /// <summary><c>HvCallFinalizePartition</c> (0x0042).</summary>
    public static HvCallCode FinalizePartition => new(0x0042);
    /// <summary><c>HvCallDeletePartition</c> (0x0043).</summary>
    public static HvCallCode DeletePartition => new(0x0043);
    /// <summary><c>HvCallGetPartitionProperty</c> (0x0044).</summary>
    public static HvCallCode GetPartitionProperty => new(0x0044);
    /// <summary><c>HvCallSetPartitionProperty</c> (0x0045).</summary>
    public static HvCallCode SetPartitionProperty => new(0x0045);
    /// <summary><c>HvCallGetPartitionId</c> (0x0046).</summary>
    public static HvCallCode GetPartitionId => new(0x0046);
    /// <summary><c>HvCallDepositMemory</c> (0x0048).</summary>
    public static HvCallCode DepositMemory => new(0x0048);
    /// <summary><c>HvCallWithdrawMemory</c> (0x0049).</summary>
    public static HvCallCode WithdrawMemory => new(0x0049);
    /// <summary><c>HvCallMapGpaPages</c> (0x004B).</summary>
    public static HvCallCode MapGpaPages => new(0x004B);
    /// <summary><c>HvCallUnmapGpaPages</c> (0x004C).</summary>
    public static HvCallCode UnmapGpaPages => new(0x004C);
    /// <summary><c>HvCallInstallIntercept</c> (0x004D).</summary>
    public static HvCallCode InstallIntercept => new(0x004D);
    /// <summary><c>HvCallCreateVp</c> (0x004E).</summary>
    public static HvCallCode CreateVp => new(0x004E);
    /// <summary><c>HvCallDeleteVp</c> (0x004F).</summary>
    public static HvCallCode DeleteVp => new(0x004F);
    /// <summary><c>HvCallGetVpRegisters</c> (0x0050).</summary>
    public static HvCallCode GetVpRegisters => new(0x0050);
    /// <summary><c>HvCallSetVpRegisters</c> (0x0051).</summary>
    public static HvCallCode SetVpRegisters => new(0x0051);
    /// <summary><c>HvCallTranslateVirtualAddress</c> (0x0052).</summary>
    public static HvCallCode TranslateVirtualAddress => new(0x0052);
    /// <summary><c>HvCallClearVirtualInterrupt</c> (0x0056).</summary>
    public static HvCallCode ClearVirtualInterrupt => new(0x0056);
    /// <summary><c>HvCallDeletePort</c> (0x0058).</summary>
    public static HvCallCode DeletePort => new(0x0058);
    /// <summary><c>HvCallDisconnectPort</c> (0x005B).</summary>
    public static HvCallCode DisconnectPort => new(0x005B);
    /// <summary><c>HvCallPostMessage</c> (0x005C).</summary>
    public static HvCallCode PostMessage => new(0x005C);
    /// <summary><c>HvCallSignalEvent</c> (0x005D).</summary>
    public static HvCallCode SignalEvent => new(0x005D);
    /// <summary><c>HvCallPostDebugData</c> (0x0069).</summary>
    public static HvCallCode PostDebugData => new(0x0069);
    /// <summary><c>HvCallRetrieveDebugData</c> (0x006A).</summary>
    public static HvCallCode RetrieveDebugData => new(0x006A);
    /// <summary><c>HvCallResetDebugSession</c> (0x006B).</summary>
    public static HvCallCode ResetDebugSession => new(0x006B);
    /// <summary><c>HvCallMapStatsPage</c> (0x006C).</summary>
    public static HvCallCode MapStatsPage => new(0x006C);
    /// <summary><c>HvCallUnmapStatsPage</c> (0x006D).</summary>
    public static HvCallCode UnmapStatsPage => new(0x006D);
    /// <summary><c>HvCallOutputDebugCharacter</c> (0x0071).</summary>
    public static HvCallCode OutputDebugCharacter => new(0x0071);
    /// <summary><c>HvCallAddLogicalProcessor</c> (0x0076).</summary>
    public static HvCallCode AddLogicalProcessor => new(0x0076);
    /// <summary><c>HvCallGetSystemProperty</c> (0x007B).</summary>
    public static HvCallCode GetSystemProperty => new(0x007B);
    /// <summary><c>HvCallMapDeviceInterrupt</c> (0x007C).</summary>
    public static HvCallCode MapDeviceInterrupt => new(0x007C);
    /// <summary><c>HvCallUnmapDeviceInterrupt</c> (0x007D).</summary>
    public static HvCallCode UnmapDeviceInterrupt => new(0x007D);
    /// <summary><c>HvCallRetargetDeviceInterrupt</c> (0x007E).</summary>
    public static HvCallCode RetargetDeviceInterrupt => new(0x007E);
    /// <summary><c>HvCallNotifyPortRingEmpty</c> (0x008B).</summary>
    public static HvCallCode NotifyPortRingEmpty => new(0x008B);
    /// <summary><c>HvCallRegisterInterceptResult</c> (0x0091).</summary>
    public static HvCallCode RegisterInterceptResult => new(0x0091);
    /// <summary><c>HvCallAssertVirtualInterrupt</c> (0x0094).</summary>
    public static HvCallCode AssertVirtualInterrupt => new(0x0094);
    /// <summary><c>HvCallCreatePort</c> (0x0095).</summary>
    public static HvCallCode CreatePort => new(0x0095);
    /// <summary><c>HvCallConnectPort</c> (0x0096).</summary>
    public static HvCallCode ConnectPort => new(0x0096);
    /// <summary><c>HvCallStartVirtualProcessor</c> (0x0099).</summary>
    public static HvCallCode StartVirtualProcessor => new(0x0099);
    /// <summary><c>HvCallGetVpIndexFromApicId</c> (0x009A).</summary>
    public static HvCallCode GetVpIndexFromApicId => new(0x009A);
    /// <summary><c>HvCallFlushGuestPhysicalAddressSpace</c> (0x00AF).</summary>
    public static HvCallCode FlushGuestPhysicalAddressSpace => new(0x00AF);
    /// <summary><c>HvCallFlushGuestPhysicalAddressList</c> (0x00B0).</summary>
    public static HvCallCode FlushGuestPhysicalAddressList => new(0x00B0);
    /// <summary><c>HvCallSignalEventDirect</c> (0x00C0).</summary>
    public static HvCallCode SignalEventDirect => new(0x00C0);
    /// <summary><c>HvCallPostMessageDirect</c> (0x00C1).</summary>
    public static HvCallCode PostMessageDirect => new(0x00C1);
    /// <summary><c>HvCallDispatchVp</c> (0x00C2).</summary>
    public static HvCallCode DispatchVp => new(0x00C2);
    /// <summary><c>HvCallGetGpaPagesAccessStates</c> (0x00C9).</summary>
    public static HvCallCode GetGpaPagesAccessStates => new(0x00C9);
    /// <summary><c>HvCallAcquireSparseSpaPageHostAccess</c> (0x00D7).</summary>
    public static HvCallCode AcquireSparseSpaPageHostAccess => new(0x00D7);
    /// <summary><c>HvCallReleaseSparseSpaPageHostAccess</c> (0x00D8).</summary>
    public static HvCallCode ReleaseSparseSpaPageHostAccess => new(0x00D8);
    /// <summary><c>HvCallModifySparseGpaPageHostVisibility</c> (0x00DB).</summary>
    public static HvCallCode ModifySparseGpaPageHostVisibility => new(0x00DB);
    /// <summary><c>HvCallMapVpStatePage</c> (0x00E1).</summary>
    public static HvCallCode MapVpStatePage => new(0x00E1);
    /// <summary><c>HvCallUnmapVpStatePage</c> (0x00E2).</summary>
    public static HvCallCode UnmapVpStatePage => new(0x00E2);
    /// <summary><c>HvCallGetVpState</c> (0x00E3).</summary>
    public static HvCallCode GetVpState => new(0x00E3);
    /// <summary><c>HvCallSetVpState</c> (0x00E4).</summary>
    public static HvCallCode SetVpState => new(0x00E4);
    /// <summary><c>HvCallGetVpCpuidValues</c> (0x00F4).</summary>
    public static HvCallCode GetVpCpuidValues => new(0x00F4);
    /// <summary><c>HvCallMmioRead</c> (0x0106).</summary>
    public static HvCallCode MmioRead => new(0x0106);
    /// <summary><c>HvCallMmioWrite</c> (0x0107).</summary>
    public static HvCallCode MmioWrite => new(0x0107);
    /// <summary><c>HvExtCallQueryCapabilities</c> (0x8001).</summary>
    public static HvCallCode ExtQueryCapabilities => new(0x8001);
    /// <summary><c>HvExtCallGetBootZeroedMemory</c> (0x8002).</summary>
    public static HvCallCode ExtGetBootZeroedMemory => new(0x8002);
    /// <summary><c>HvExtCallMemoryHeatHint</c> (0x8003).</summary>
    public static HvCallCode ExtMemoryHeatHint => new(0x8003);
    /// <summary><c>HvExtCallEpfSetup</c> (0x8004).</summary>
    public static HvCallCode ExtEpfSetup => new(0x8004);
    /// <summary><c>HvExtCallMemoryHeatHintAsync</c> (0x8006).</summary>
    public static HvCallCode ExtMemoryHeatHintAsync => new(0x8006);
}
