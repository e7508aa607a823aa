using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using static HvCall.Abi.Catalog.HypercallShape;
using static HvCall.Abi.HvPartitionPrivileges;

namespace HvCall.Abi.Catalog;

/// <summary>
/// The one table of hypercalls HvCall knows: names, shapes, sizes, fast capability, privileges and
/// the default nested set. Names, the dispatcher's shape checks, the nested routing table and
/// <c>hvcall codes</c> all derive from it.
/// </summary>
/// <remarks>
/// TLFS "Hypercall Interface" and the hypercall reference pages; extended codes from the TLFS
/// "Extended Hypercalls" pages (gated by EnableExtendedHypercalls). Sizes are claimed only for the
/// calls HvCall issues or handles.
/// </remarks>
public static class HypercallCatalog
{
    /// <summary>Normal codes are below this bound, so a 512-bit table covers every one of them.</summary>
    public const int NormalCodeLimit = 512;

    /// <summary>The TLFS reserves 64 extended codes starting at <see cref="HvCallCode.FirstExtended"/>.</summary>
    public const int ExtendedCodeCount = 64;

    /// <summary>Size of a table indexed by <see cref="TableIndex"/>: every normal code, then every extended one.</summary>
    public const int TableSize = NormalCodeLimit + ExtendedCodeCount;

    private static readonly HypercallInfo?[] Table = new HypercallInfo?[TableSize];

    /// <summary>Every known hypercall, ordered by code.</summary>
    public static ImmutableArray<HypercallInfo> All { get; } = Build();

    /// <summary>The codes a nested root partition sends to the L0 hypervisor (HvCallPostMessage, HvCallSignalEvent).</summary>
    public static ImmutableArray<HvCallCode> NestedWhenNestedRoot { get; } =
        All.Where(static info => info.NestedWhenNestedRoot).Select(static info => info.Code).ToImmutableArray();

    /// <summary>Looks up a code; constant time.</summary>
    /// <param name="code">The code.</param>
    /// <param name="info">The entry, when known.</param>
    /// <returns>True when the catalog knows the code.</returns>
    public static bool TryGet(HvCallCode code, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HypercallInfo? info)
    {
        var index = TableIndex(code);
        info = index >= 0 ? Table[index] : null;
        return info is not null;
    }

    /// <summary>
    /// The slot of a code in a table of <see cref="TableSize"/> entries: normal codes (below 512) at
    /// their value, extended codes (0x8001 to 0x8040) after them, −1 for any other code. Tables keyed
    /// by call code (the catalog's, the dispatcher's handlers) all use it.
    /// </summary>
    /// <param name="code">The code.</param>
    public static int TableIndex(HvCallCode code)
    {
        int value = code.Value;
        if (value < NormalCodeLimit)
            return value;
        var extended = value - HvCallCode.FirstExtended;
        return (uint)extended < ExtendedCodeCount ? NormalCodeLimit + extended : -1;
    }

    /// <summary>Looks up a code that must be known.</summary>
    /// <param name="code">The code.</param>
    /// <exception cref="KeyNotFoundException">The catalog does not know the code.</exception>
    public static HypercallInfo Get(HvCallCode code) =>
        TryGet(code, out var info) ? info : throw new KeyNotFoundException($"Hypercall code 0x{code.Value:X4} is not in the catalog.");

    /// <summary>Finds a code by its TLFS name (<c>HvCallPostMessage</c>), case-insensitively.</summary>
    /// <param name="name">The name.</param>
    /// <param name="info">The entry, when found.</param>
    /// <returns>True when found.</returns>
    public static bool TryGetByName(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HypercallInfo? info)
    {
        foreach (var entry in All)
        {
            if (string.Equals(entry.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                info = entry;
                return true;
            }
        }
        info = null;
        return false;
    }

    private static ImmutableArray<HypercallInfo> Build()
    {
        HypercallInfo[] entries =
        [
            Entry(HvCallCode.SwitchVirtualAddressSpace, "HvCallSwitchVirtualAddressSpace", fast: true, input: 8, output: 0),
            Entry(HvCallCode.FlushVirtualAddressSpace, "HvCallFlushVirtualAddressSpace", fast: true, input: 24, output: 0),
            Entry(HvCallCode.FlushVirtualAddressList, "HvCallFlushVirtualAddressList", Rep, fast: true, input: 24, output: 0, inElement: 8),
            Entry(HvCallCode.GetLogicalProcessorRunTime, "HvCallGetLogicalProcessorRunTime"),
            Entry(HvCallCode.NotifyLongSpinWait, "HvCallNotifyLongSpinWait", fast: true, input: 8, output: 0),
            Entry(HvCallCode.InvokeHypervisorDebugger, "HvCallInvokeHypervisorDebugger"),
            Entry(HvCallCode.SendSyntheticClusterIpi, "HvCallSendSyntheticClusterIpi", fast: true, input: 16, output: 0),
            Entry(HvCallCode.ModifyVtlProtectionMask, "HvCallModifyVtlProtectionMask", Rep),
            Entry(HvCallCode.EnablePartitionVtl, "HvCallEnablePartitionVtl"),
            Entry(HvCallCode.EnableVpVtl, "HvCallEnableVpVtl"),
            Entry(HvCallCode.VtlCall, "HvCallVtlCall"),
            Entry(HvCallCode.VtlReturn, "HvCallVtlReturn"),
            Entry(HvCallCode.FlushVirtualAddressSpaceEx, "HvCallFlushVirtualAddressSpaceEx", Variable, fast: true, input: 32, output: 0),
            Entry(HvCallCode.FlushVirtualAddressListEx, "HvCallFlushVirtualAddressListEx", VariableRep, fast: true, input: 32, output: 0, inElement: 8),
            Entry(HvCallCode.SendSyntheticClusterIpiEx, "HvCallSendSyntheticClusterIpiEx", Variable, fast: true, input: 24, output: 0),
            Entry(HvCallCode.CreatePartition, "HvCallCreatePartition", privilege: CreatePartitions),
            Entry(HvCallCode.InitializePartition, "HvCallInitializePartition", privilege: CreatePartitions),
            Entry(HvCallCode.FinalizePartition, "HvCallFinalizePartition", privilege: CreatePartitions),
            Entry(HvCallCode.DeletePartition, "HvCallDeletePartition", privilege: CreatePartitions),
            Entry(HvCallCode.GetPartitionProperty, "HvCallGetPartitionProperty"),
            Entry(HvCallCode.SetPartitionProperty, "HvCallSetPartitionProperty"),
            Entry(HvCallCode.GetPartitionId, "HvCallGetPartitionId", input: 0, output: 8, privilege: AccessPartitionId),
            Entry(HvCallCode.DepositMemory, "HvCallDepositMemory", Rep, privilege: AccessMemoryPool),
            Entry(HvCallCode.WithdrawMemory, "HvCallWithdrawMemory", Rep, privilege: AccessMemoryPool),
            Entry(HvCallCode.MapGpaPages, "HvCallMapGpaPages", Rep),
            Entry(HvCallCode.UnmapGpaPages, "HvCallUnmapGpaPages", Rep),
            Entry(HvCallCode.InstallIntercept, "HvCallInstallIntercept"),
            Entry(HvCallCode.CreateVp, "HvCallCreateVp"),
            Entry(HvCallCode.DeleteVp, "HvCallDeleteVp"),
            Entry(HvCallCode.GetVpRegisters, "HvCallGetVpRegisters", Rep, fast: true, input: 16, output: 0, inElement: 4, outElement: 16, privilege: AccessVpRegisters),
            Entry(HvCallCode.SetVpRegisters, "HvCallSetVpRegisters", Rep, fast: true, input: 16, output: 0, inElement: 32, privilege: AccessVpRegisters),
            Entry(HvCallCode.TranslateVirtualAddress, "HvCallTranslateVirtualAddress"),
            Entry(HvCallCode.ClearVirtualInterrupt, "HvCallClearVirtualInterrupt"),
            Entry(HvCallCode.DeletePort, "HvCallDeletePort", fast: true, input: 16, output: 0, privilege: CreatePort),
            Entry(HvCallCode.DisconnectPort, "HvCallDisconnectPort", fast: true, input: 16, output: 0, privilege: ConnectPort),
            Entry(HvCallCode.PostMessage, "HvCallPostMessage", input: 256, output: 0, privilege: PostMessages, nested: true),
            Entry(HvCallCode.SignalEvent, "HvCallSignalEvent", fast: true, input: 8, output: 0, privilege: SignalEvents, nested: true),
            Entry(HvCallCode.PostDebugData, "HvCallPostDebugData", privilege: Debugging),
            Entry(HvCallCode.RetrieveDebugData, "HvCallRetrieveDebugData", privilege: Debugging),
            Entry(HvCallCode.ResetDebugSession, "HvCallResetDebugSession", privilege: Debugging),
            // TLFS HvCallMapStatsPage / HvCallUnmapStatsPage: the caller must hold AccessStats (EBX bit 8).
            Entry(HvCallCode.MapStatsPage, "HvCallMapStatsPage", privilege: AccessStats),
            Entry(HvCallCode.UnmapStatsPage, "HvCallUnmapStatsPage", privilege: AccessStats),
            Entry(HvCallCode.OutputDebugCharacter, "HvCallOutputDebugCharacter"),
            Entry(HvCallCode.AddLogicalProcessor, "HvCallAddLogicalProcessor", privilege: CpuManagement),
            Entry(HvCallCode.GetSystemProperty, "HvCallGetSystemProperty"),
            Entry(HvCallCode.MapDeviceInterrupt, "HvCallMapDeviceInterrupt"),
            Entry(HvCallCode.UnmapDeviceInterrupt, "HvCallUnmapDeviceInterrupt"),
            Entry(HvCallCode.RetargetDeviceInterrupt, "HvCallRetargetDeviceInterrupt", Variable),
            Entry(HvCallCode.NotifyPortRingEmpty, "HvCallNotifyPortRingEmpty"),
            Entry(HvCallCode.RegisterInterceptResult, "HvCallRegisterInterceptResult"),
            Entry(HvCallCode.AssertVirtualInterrupt, "HvCallAssertVirtualInterrupt"),
            Entry(HvCallCode.CreatePort, "HvCallCreatePort", input: 56, output: 0, privilege: CreatePort),
            Entry(HvCallCode.ConnectPort, "HvCallConnectPort", input: 72, output: 0, privilege: ConnectPort),
            Entry(HvCallCode.StartVirtualProcessor, "HvCallStartVirtualProcessor", privilege: StartVirtualProcessor),
            Entry(HvCallCode.GetVpIndexFromApicId, "HvCallGetVpIndexFromApicId", Rep),
            Entry(HvCallCode.FlushGuestPhysicalAddressSpace, "HvCallFlushGuestPhysicalAddressSpace"),
            Entry(HvCallCode.FlushGuestPhysicalAddressList, "HvCallFlushGuestPhysicalAddressList", Rep),
            // TLFS HvCallSignalEventDirect / HvCallPostMessageDirect: simple, memory form (Linux's mshv never issues
            // them fast), no privilege bit listed; root partition only in practice (vmbus-datapath sheet §7). The
            // 280-byte PostMessageDirect input is Linux's and OpenVMM's layout, not the TLFS page's.
            Entry(HvCallCode.SignalEventDirect, "HvCallSignalEventDirect", input: 16, output: 8, rootOnly: true),
            Entry(HvCallCode.PostMessageDirect, "HvCallPostMessageDirect", input: 280, output: 0, rootOnly: true),
            Entry(HvCallCode.DispatchVp, "HvCallDispatchVp"),
            Entry(HvCallCode.GetGpaPagesAccessStates, "HvCallGetGpaPagesAccessStates", Rep),
            // Linux (drivers/hv/mshv_root_hv_call.c) issues these two with hv_do_rep_hypercall(), one SPA page per rep,
            // and GetVpState/SetVpState with a variable header (page list or state bytes in 8-byte units).
            Entry(HvCallCode.AcquireSparseSpaPageHostAccess, "HvCallAcquireSparseSpaPageHostAccess", Rep),
            Entry(HvCallCode.ReleaseSparseSpaPageHostAccess, "HvCallReleaseSparseSpaPageHostAccess", Rep),
            Entry(HvCallCode.ModifySparseGpaPageHostVisibility, "HvCallModifySparseGpaPageHostVisibility", Rep),
            Entry(HvCallCode.MapVpStatePage, "HvCallMapVpStatePage"),
            Entry(HvCallCode.UnmapVpStatePage, "HvCallUnmapVpStatePage"),
            Entry(HvCallCode.GetVpState, "HvCallGetVpState", Variable),
            Entry(HvCallCode.SetVpState, "HvCallSetVpState", Variable),
            Entry(HvCallCode.GetVpCpuidValues, "HvCallGetVpCpuidValues"),
            Entry(HvCallCode.MmioRead, "HvCallMmioRead"),
            Entry(HvCallCode.MmioWrite, "HvCallMmioWrite"),
            Entry(HvCallCode.ExtQueryCapabilities, "HvExtCallQueryCapabilities", input: 0, output: 8, privilege: EnableExtendedHypercalls),
            Entry(HvCallCode.ExtGetBootZeroedMemory, "HvExtCallGetBootZeroedMemory", privilege: EnableExtendedHypercalls),
            Entry(HvCallCode.ExtMemoryHeatHint, "HvExtCallMemoryHeatHint", Rep, privilege: EnableExtendedHypercalls),
            Entry(HvCallCode.ExtEpfSetup, "HvExtCallEpfSetup", privilege: EnableExtendedHypercalls),
            Entry(HvCallCode.ExtMemoryHeatHintAsync, "HvExtCallMemoryHeatHintAsync", privilege: EnableExtendedHypercalls),
        ];

        foreach (var entry in entries)
        {
            ref var slot = ref Table[TableIndex(entry.Code)];
            if (slot is not null)
                throw new InvalidOperationException($"Duplicate catalog entry for 0x{entry.Code.Value:X4}.");
            slot = entry;
        }
        return [.. entries.OrderBy(static e => e.Code.Value)];
    }

    private static HypercallInfo Entry(
        HvCallCode code, string name, HypercallShape shape = Simple, bool fast = false,
        int? input = null, int? output = null, int inElement = 0, int outElement = 0,
        HvPartitionPrivileges privilege = None, bool nested = false, bool rootOnly = false) =>
        new(code, name, shape)
        {
            FastCapable = fast,
            InputSize = input,
            OutputSize = output,
            InputElementSize = inElement,
            OutputElementSize = outElement,
            RequiredPrivilege = privilege,
            RootPartitionOnly = rootOnly,
            NestedWhenNestedRoot = nested,
        };
}
