using System;
using System.Buffers.Binary;

namespace HvCall.VmBus.Ic;

/// <summary>
/// The <c>icmsgtype</c> u16 at payload offset 12 (Linux <c>ICMSGTYPE_*</c>; OpenVMM <c>MessageType</c>).
/// An open set: a value outside the named ones is carried through unchanged.
/// </summary>
/// <remarks>
/// vmbus-datapath.md §6, payload layout table. OpenVMM numbers 6 RDV, 7 GUEST_INTERFACE and 8 VM_SESSION,
/// so 7 means FCOPY to Linux and GUEST_INTERFACE to OpenVMM; neither is used by heartbeat or shutdown.
/// </remarks>
public enum IcMessageType : ushort
{
    /// <summary>0 NEGOTIATE (OpenVMM <c>VERSION_NEGOTIATION</c>): the version exchange every channel starts with.</summary>
    Negotiate = 0,
    /// <summary>1 HEARTBEAT: the host's "are you alive" request carrying <c>seq_num</c>.</summary>
    Heartbeat = 1,
    /// <summary>2 KVPEXCHANGE: key/value pairs.</summary>
    KvpExchange = 2,
    /// <summary>3 SHUTDOWN: power off, reboot or hibernate request.</summary>
    Shutdown = 3,
    /// <summary>4 TIMESYNC: time samples.</summary>
    TimeSync = 4,
    /// <summary>5 VSS: volume shadow copy.</summary>
    Vss = 5,
    /// <summary>7 FCOPY (Linux): file copy. OpenVMM calls 7 GUEST_INTERFACE.</summary>
    FileCopy = 7,
}

/// <summary>The <c>icflags</c> byte at payload offset 25 (Linux <c>ICMSGHDRFLAG_*</c>; OpenVMM <c>HeaderFlags</c>).</summary>
/// <remarks>vmbus-datapath.md §6: requests carry TRANSACTION|REQUEST (0x03), answers TRANSACTION|RESPONSE (0x05).</remarks>
[Flags]
public enum IcFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Bit 0 TRANSACTION (1).</summary>
    Transaction = 1,
    /// <summary>Bit 1 REQUEST (2).</summary>
    Request = 2,
    /// <summary>Bit 2 RESPONSE (4).</summary>
    Response = 4,
}

/// <summary>The <c>status</c> u32 at payload offset 20 (an HRESULT). An open set.</summary>
/// <remarks>vmbus-datapath.md §6: HV_S_OK and HV_E_FAIL from Linux UAPI; the other two from OpenVMM <c>Status</c>.</remarks>
public enum IcStatus : uint
{
    /// <summary>HV_S_OK (0).</summary>
    Ok = 0,
    /// <summary>HV_E_FAIL (0x80004005).</summary>
    Fail = 0x8000_4005,
    /// <summary>OpenVMM NO_MORE_ITEMS (0x80070103).</summary>
    NoMoreItems = 0x8007_0103,
    /// <summary>OpenVMM NOT_SUPPORTED (0x80070032).</summary>
    NotSupported = 0x8007_0032,
}

/// <summary>
/// An IC version as it appears on the wire: <c>{major u16, minor u16}</c>, 4 bytes (Linux <c>ic_version</c>;
/// OpenVMM <c>Version</c>). Used for <c>icverframe</c>, <c>icvermsg</c> and the negotiate version table.
/// </summary>
/// <param name="Major">The major number (first u16).</param>
/// <param name="Minor">The minor number (second u16).</param>
/// <remarks>vmbus-datapath.md §6. Linux keeps its lists packed as <c>major &lt;&lt; 16 | minor</c> (UTIL_FW_VERSION 0x30000).</remarks>
public readonly record struct IcVersion(ushort Major, ushort Minor) : IComparable<IcVersion>
{
    /// <summary>Bytes on the wire (4).</summary>
    public const int Size = 4;

    /// <summary>The version packed as Linux stores it: <c>major &lt;&lt; 16 | minor</c> (3.0 → 0x30000).</summary>
    public uint Packed => ((uint)Major << 16) | Minor;

    /// <summary>Unpacks a Linux-style packed version (<c>major &lt;&lt; 16 | minor</c>).</summary>
    /// <param name="packed">The packed value, e.g. UTIL_FW_VERSION 0x30000.</param>
    public static IcVersion FromPacked(uint packed) => new((ushort)(packed >> 16), (ushort)packed);

    /// <summary>Reads major u16 @0 and minor u16 @2.</summary>
    /// <param name="source">At least 4 bytes.</param>
    public static IcVersion Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(source),
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]));

    /// <summary>Writes major u16 @0 and minor u16 @2.</summary>
    /// <param name="destination">At least 4 bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, Major);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Minor);
    }

    /// <summary>Orders by major, then minor (the order of <see cref="Packed"/>).</summary>
    /// <param name="other">The version to compare with.</param>
    public int CompareTo(IcVersion other) => Packed.CompareTo(other.Packed);

    /// <summary>"major.minor", e.g. "3.2".</summary>
    public override string ToString() => $"{Major}.{Minor}";
}

/// <summary>
/// The version lists of the two implementations the sheet compares. Guest lists are newest first (the order
/// Linux walks them); host lists are in the order OpenVMM sends them (the guest's choice does not depend on it).
/// </summary>
/// <remarks>vmbus-datapath.md §6, "Who sends first" and "Linux lists (UTIL/UAPI)".</remarks>
public static class IcVersions
{
    /// <summary>UTIL_FW_VERSION: framework 3.0 packed (0x30000).</summary>
    public const uint UtilFwVersion = 0x3_0000;
    /// <summary>UTIL_WS2K8_FW_VERSION: framework 1.0 packed (0x10000).</summary>
    public const uint UtilWs2k8FwVersion = 0x1_0000;

    private static readonly IcVersion[] s_linuxFramework = [new(3, 0), new(1, 0)];
    private static readonly IcVersion[] s_linuxHeartbeat = [new(3, 0), new(1, 0)];
    private static readonly IcVersion[] s_linuxShutdown = [new(3, 2), new(3, 1), new(3, 0), new(1, 0)];
    private static readonly IcVersion[] s_linuxTimeSync = [new(4, 0), new(3, 0), new(1, 0)];
    private static readonly IcVersion[] s_hostFramework = [new(1, 0), new(3, 0)];
    private static readonly IcVersion[] s_hostHeartbeat = [new(3, 0)];
    private static readonly IcVersion[] s_hostShutdown = [new(1, 0), new(3, 0), new(3, 1), new(3, 2)];

    /// <summary>Linux guest framework list, newest first: 3.0, 1.0 (hv_util <c>fw_versions</c>).</summary>
    public static ReadOnlySpan<IcVersion> LinuxFramework => s_linuxFramework;

    /// <summary>Linux guest heartbeat list, newest first: 3.0, 1.0 (hv_util <c>hb_versions</c>).</summary>
    public static ReadOnlySpan<IcVersion> LinuxHeartbeat => s_linuxHeartbeat;

    /// <summary>Linux guest shutdown list, newest first: 3.2, 3.1, 3.0, 1.0 (hv_util <c>sd_versions</c>; 3.2 adds hibernate).</summary>
    public static ReadOnlySpan<IcVersion> LinuxShutdown => s_linuxShutdown;

    /// <summary>Linux guest time-sync list, newest first: 4.0, 3.0, 1.0 (listed for completeness; no time-sync code here).</summary>
    public static ReadOnlySpan<IcVersion> LinuxTimeSync => s_linuxTimeSync;

    /// <summary>Host framework list as OpenVMM sends it: [1.0, 3.0] (OV-IC <c>FRAMEWORK_VERSIONS</c>).</summary>
    public static ReadOnlySpan<IcVersion> HostFramework => s_hostFramework;

    /// <summary>
    /// Host heartbeat list: [3.0], the list of the sheet's worked wire example. OpenVMM has the heartbeat protocol
    /// struct but no heartbeat host device, so this list is the example's, not OpenVMM's.
    /// </summary>
    public static ReadOnlySpan<IcVersion> HostHeartbeat => s_hostHeartbeat;

    /// <summary>Host shutdown list as OpenVMM sends it: [1.0, 3.0, 3.1, 3.2] (OV-ICP <c>SHUTDOWN_VERSIONS</c>).</summary>
    public static ReadOnlySpan<IcVersion> HostShutdown => s_hostShutdown;
}
