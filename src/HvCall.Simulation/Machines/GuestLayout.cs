namespace HvCall.Simulation.Machines;

/// <summary>Where the guest keeps its pages in guest physical memory.</summary>
public static class GuestLayout
{
    /// <summary>The hypercall page.</summary>
    public const ulong HypercallPage = 0x1000;
    /// <summary>First per-VP area; each VP has four pages: hypercall input, hypercall output, SIMP, SIEFP.</summary>
    public const ulong PerVpBase = 0x10_0000;
    /// <summary>Size of a VP's area.</summary>
    public const ulong PerVpSize = 0x4000;

    /// <summary>The hypercall input page of a VP (the output page follows it).</summary>
    /// <param name="vp">The VP index.</param>
    public static ulong InputPage(uint vp) => PerVpBase + vp * PerVpSize;

    /// <summary>The SynIC message page of a VP.</summary>
    /// <param name="vp">The VP index.</param>
    public static ulong MessagePage(uint vp) => InputPage(vp) + 0x2000;

    /// <summary>The SynIC event flags page of a VP.</summary>
    /// <param name="vp">The VP index.</param>
    public static ulong EventFlagsPage(uint vp) => InputPage(vp) + 0x3000;

    /// <summary>
    /// A nested root's pages for its own L1 SynIC (the one that serves its L2 guests, programmed with non-nested
    /// register access): per VP <i>v</i> a message page at 0x300000 + 0x2000·<i>v</i> and an event flags page after it.
    /// Its VMBus client of L0 uses the per-VP SIMP/SIEFP above, reached through the nested SynIC MSRs.
    /// </summary>
    /// <param name="vp">The VP index.</param>
    public static ulong L1MessagePage(uint vp) => 0x30_0000 + vp * 0x2000UL;

    /// <summary>The event flags page of a nested root's own L1 SynIC (see <see cref="L1MessagePage"/>).</summary>
    /// <param name="vp">The VP index.</param>
    public static ulong L1EventFlagsPage(uint vp) => L1MessagePage(vp) + 0x1000;

    /// <summary>First page of the ring-buffer pool (after the per-VP areas of 64 VPs).</summary>
    public const ulong RingPool = 0x20_0000;
    /// <summary>Pages in the ring-buffer pool (1 MiB).</summary>
    public const int RingPoolPages = 256;

    /// <summary>The guest OS id the simulated guest writes: open source (bit 63), Linux (OS type 1), version 6.12.</summary>
    public const ulong LinuxGuestOsId = 0x8100_0000_060C_0000;
}
