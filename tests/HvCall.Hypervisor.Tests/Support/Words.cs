namespace HvCall.Hypervisor.Tests.Support;

/// <summary>
/// Control and result words built from the bit positions of the facts sheet (§1, §2), independently of
/// <c>HypercallControl</c>, so the tests do not trust the code under test to encode its own input.
/// </summary>
internal static class Words
{
    public const ulong FastBit = 1UL << 16;
    public const ulong NestedBit = 1UL << 31;

    /// <summary>A control word: code 15:0, fast 16, variable header 26:17, nested 31, rep count 43:32, rep start 59:48.</summary>
    public static ulong Control(ushort code, bool fast = false, int varHeader = 0, int repCount = 0, int repStart = 0, bool nested = false) =>
        code
        | (fast ? FastBit : 0)
        | ((ulong)(varHeader & 0x3FF) << 17)
        | (nested ? NestedBit : 0)
        | ((ulong)(repCount & 0xFFF) << 32)
        | ((ulong)(repStart & 0xFFF) << 48);

    /// <summary>Status, bits 15:0 of the result.</summary>
    public static ushort Status(ulong result) => (ushort)result;

    /// <summary>Reps completed, bits 43:32 of the result.</summary>
    public static int RepsCompleted(ulong result) => (int)((result >> 32) & 0xFFF);

    /// <summary>Rep start, bits 59:48 of the control word.</summary>
    public static int RepStart(ulong control) => (int)((control >> 48) & 0xFFF);

    /// <summary>Rep count, bits 43:32 of the control word.</summary>
    public static int RepCount(ulong control) => (int)((control >> 32) & 0xFFF);

    /// <summary>The result words' reserved bits (31:16 and 63:44) must read zero.</summary>
    public const ulong ResultReservedMask = 0xFFFF_F000_FFFF_0000;
}

/// <summary>Status values of facts §3, spelled out so that a wrong enum value in the ABI project cannot hide.</summary>
internal static class St
{
    public const ushort Success = 0x0;
    public const ushort InvalidHypercallCode = 0x2;
    public const ushort InvalidHypercallInput = 0x3;
    public const ushort InvalidAlignment = 0x4;
    public const ushort InvalidParameter = 0x5;
    public const ushort AccessDenied = 0x6;
    public const ushort OperationDenied = 0x8;
    public const ushort InsufficientMemory = 0xB;
    public const ushort InvalidPartitionId = 0xD;
    public const ushort InvalidVpIndex = 0xE;
    public const ushort InvalidPortId = 0x11;
    public const ushort InvalidConnectionId = 0x12;
    public const ushort InsufficientBuffers = 0x13;
    public const ushort InvalidSynicState = 0x18;
    public const ushort ObjectInUse = 0x19;
    public const ushort Timeout = 0x78;
}

/// <summary>Call codes of facts §4.</summary>
internal static class Code
{
    public const ushort SwitchVirtualAddressSpace = 0x0001;
    public const ushort FlushVirtualAddressSpace = 0x0002;
    public const ushort FlushVirtualAddressList = 0x0003;
    public const ushort NotifyLongSpinWait = 0x0008;
    public const ushort SendSyntheticClusterIpi = 0x000B;
    public const ushort FlushVirtualAddressSpaceEx = 0x0013;
    public const ushort FlushVirtualAddressListEx = 0x0014;
    public const ushort SendSyntheticClusterIpiEx = 0x0015;
    public const ushort GetPartitionId = 0x0046;
    public const ushort GetVpRegisters = 0x0050;
    public const ushort SetVpRegisters = 0x0051;
    public const ushort DeletePort = 0x0058;
    public const ushort DisconnectPort = 0x005B;
    public const ushort PostMessage = 0x005C;
    public const ushort SignalEvent = 0x005D;
    public const ushort ResetDebugSession = 0x006B;
    public const ushort MapStatsPage = 0x006C;
    public const ushort UnmapStatsPage = 0x006D;
    public const ushort CreatePort = 0x0095;
    public const ushort ConnectPort = 0x0096;
    public const ushort StartVirtualProcessor = 0x0099;
    public const ushort SignalEventDirect = 0x00C0;
    public const ushort PostMessageDirect = 0x00C1;
    public const ushort ExtQueryCapabilities = 0x8001;
}

/// <summary>Synthetic MSRs and ARM64 register names of facts §7.</summary>
internal static class Msr
{
    public const uint GuestOsId = 0x4000_0000;
    public const uint Hypercall = 0x4000_0001;
    public const uint VpIndex = 0x4000_0002;
    public const uint Scontrol = 0x4000_0080;
    public const uint Sversion = 0x4000_0081;
    public const uint Siefp = 0x4000_0082;
    public const uint Simp = 0x4000_0083;
    public const uint Eom = 0x4000_0084;
    public const uint Sirbp = 0x4000_0085;
    public static uint Sint(int n) => 0x4000_0090 + (uint)n;
    public const uint NestedVpIndex = 0x4000_1002;
    public const uint NestedScontrol = 0x4000_1080;
    public const uint NestedSversion = 0x4000_1081;
    public const uint NestedSiefp = 0x4000_1082;
    public const uint NestedSimp = 0x4000_1083;
    public const uint NestedEom = 0x4000_1084;
    public static uint NestedSint(int n) => 0x4000_1090 + (uint)n;
}

internal static class RegName
{
    public const uint GuestOsId = 0x0009_0002;
    public const uint VpIndex = 0x0009_0003;
    public static uint Sint(int n) => 0x000A_0000 + (uint)n;
    public const uint Scontrol = 0x000A_0010;
    public const uint Sversion = 0x000A_0011;
    public const uint Siefp = 0x000A_0012;
    public const uint Simp = 0x000A_0013;
    public const uint Eom = 0x000A_0014;
    public const uint Sirbp = 0x000A_0015;
    public const ulong PartitionSelf = 0xFFFF_FFFF_FFFF_FFFF;
    public const uint VpSelf = 0xFFFF_FFFE;
}
