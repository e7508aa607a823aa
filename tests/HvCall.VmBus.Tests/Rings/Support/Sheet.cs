namespace HvCall.VmBus.Tests.Rings.Support;

/// <summary>
/// Numbers typed from shared/reference/vmbus-datapath.md (§3 control page, §4 packet format), not taken from
/// the code under test.
/// </summary>
internal static class Sheet
{
    /// <summary>§3: write_index u32 @0.</summary>
    public const int WriteIndex = 0;
    /// <summary>§3: read_index u32 @4.</summary>
    public const int ReadIndex = 4;
    /// <summary>§3: interrupt_mask u32 @8.</summary>
    public const int InterruptMask = 8;
    /// <summary>§3: pending_send_sz u32 @12.</summary>
    public const int PendingSendSize = 12;
    /// <summary>§3: feature_bits u32 @64 (bit 0 feat_pending_send_sz).</summary>
    public const int FeatureBits = 64;

    /// <summary>§4: packet types a ring reader accepts (6 in-band, 7 transfer pages, 9 GPA direct, 11 completion).</summary>
    public static readonly ushort[] AcceptedTypes = [6, 7, 9, 11];

    /// <summary>§4: payload bytes rounded up to the 8-byte padding.</summary>
    public static int Padded(int payload) => (payload + 7) / 8 * 8;

    /// <summary>§4: len8 of an in-band packet = ALIGN(16 + len, 8) / 8.</summary>
    public static int Len8(int payload) => 2 + Padded(payload) / 8;

    /// <summary>§4: ring bytes of an in-band packet: 16-byte descriptor, padded payload, 8-byte trailer.</summary>
    public static int RingBytes(int payload) => 16 + Padded(payload) + 8;

    /// <summary>§5 (OpenVMM): the pending size a blocked producer sets: max(needed, max_packet/4) rounded up to 8, max_packet = dsize − 8.</summary>
    public static uint PendingFor(int needed, int dataSize)
    {
        var quarter = (dataSize - 8) / 4;
        var pending = needed > quarter ? needed : quarter;
        return (uint)((pending + 7) / 8 * 8);
    }
}
