namespace HvCall.VmBus.Rings;

/// <summary>
/// The outcome of a ring operation. <see cref="Ok"/>, <see cref="Empty"/> and <see cref="Full"/> are normal
/// flow; <see cref="PacketTooLarge"/> is a packet that can never fit; every other value means the peer
/// corrupted the ring, and the endpoint stops servicing the channel.
/// </summary>
/// <remarks>vmbus-room.md §1 "Errors" (OpenVMM <c>ReadError</c>/<c>WriteError</c>/<c>Error</c>).</remarks>
public enum RingStatus
{
    /// <summary>Done.</summary>
    Ok,
    /// <summary>Nothing to read.</summary>
    Empty,
    /// <summary>Not enough free space now (at least 8 bytes must stay free).</summary>
    Full,
    /// <summary>The packet can never fit: larger than the ring allows, or than the reader's buffer.</summary>
    PacketTooLarge,
    /// <summary>A shared index is not a multiple of 8 or not below the data size.</summary>
    InvalidRingIndex,
    /// <summary>The descriptor's type is not one a reader accepts (6, 7, 9, 11).</summary>
    InvalidDescriptorType,
    /// <summary>The descriptor's offset8 is below 2 or above len8, or the packet runs past the data written.</summary>
    InvalidDescriptorLength,
    /// <summary>The descriptor has flag bits other than completion-requested.</summary>
    InvalidDescriptorFlags,
}

/// <summary>Classifies <see cref="RingStatus"/> values.</summary>
public static class RingStatusExtensions
{
    /// <summary>True when the status means the peer corrupted the ring.</summary>
    /// <param name="status">The status.</param>
    public static bool IsCorrupt(this RingStatus status) => status >= RingStatus.InvalidRingIndex;
}
