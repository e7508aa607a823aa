namespace HvCall.VmBus.Rings;

/// <summary>
/// When a ring endpoint signals its peer: the two transitions Hyper-V expects, as pure functions. The
/// ring operations call them after their full fences; tests run them as a table.
/// </summary>
/// <remarks>
/// vmbus-datapath.md §5. Hosts "expect interrupts only when the ring transitions from empty to non-empty
/// (or full to non full on the guest to host ring)" and throttle guests that signal otherwise.
/// </remarks>
public static class SignalRules
{
    /// <summary>
    /// Producer, after publishing its write index: signal iff the consumer's interrupt_mask is 0 and its
    /// read_index equals the write index from before this write (the ring was empty, as observed now).
    /// </summary>
    /// <param name="interruptMask">interrupt_mask, read after the fence.</param>
    /// <param name="readIndex">read_index, read after the fence.</param>
    /// <param name="writeIndexBefore">The write index published before this write.</param>
    /// <remarks>Linux <c>hv_signal_on_write</c>, OpenVMM <c>commit_write</c> (identical).</remarks>
    public static bool AfterWrite(uint interruptMask, uint readIndex, uint writeIndexBefore) =>
        interruptMask == 0 && readIndex == writeIndexBefore;

    /// <summary>
    /// Consumer, after publishing its read index: signal iff the producer advertised pending_send_sz
    /// support, is blocked (pending ≠ 0, low 3 bits masked off), and this read took the free space from
    /// below the pending size to at least it: <c>freeBefore &lt; pending ≤ freeAfter</c>. interrupt_mask is
    /// not consulted.
    /// </summary>
    /// <param name="featureBits">feature_bits of the ring just read.</param>
    /// <param name="pendingSendSize">pending_send_sz, read after the fence.</param>
    /// <param name="freeBefore">Free bytes (8-byte reserve already taken off) before this read was published.</param>
    /// <param name="freeAfter">Free bytes after.</param>
    /// <remarks>Linux 6.x <c>hv_pkt_iter_close</c>, OpenVMM <c>commit_read</c>; for 8-aligned values the two agree.</remarks>
    public static bool AfterRead(uint featureBits, uint pendingSendSize, int freeBefore, int freeAfter)
    {
        if ((featureBits & RingControl.FeaturePendingSendSize) == 0)
            return false;
        var pending = (long)(pendingSendSize & ~7u);
        return pending != 0 && freeBefore < pending && pending <= freeAfter;
    }
}
