using HvCall.Abi;
using HvCall.Guest;
using HvCall.Guest.Routing;
using HvCall.Guest.Synic;
using HvCall.Hypervisor.Partitions;

namespace HvCall.Simulation.Machines;

/// <summary>
/// What guest code has of one of its VPs: the processor, the issuing functions, SynIC register
/// access, and the message and event flags pages. Built at the guest's early init.
/// </summary>
public sealed class GuestVp
{
    internal GuestVp(SimulatedProcessor processor, NestedRouting routing, SynicMsrRouting msrRouting)
    {
        Processor = processor;
        var vp = processor.VirtualProcessor;
        Index = vp.Index;
        var memory = vp.Partition.Memory;
        Hypercalls = new Hypercalls(processor, routing, new HypercallPages(
            Page(memory, GuestLayout.InputPage(Index)), Page(memory, GuestLayout.InputPage(Index) + 0x1000)));
        Synic = vp.Architecture == HvArchitecture.X64
            ? SynicRegisterAccess.ForX64(processor, msrRouting)
            : SynicRegisterAccess.ForArm64(Hypercalls);
        MessagePage = Page(memory, GuestLayout.MessagePage(Index));
        EventFlagsPage = Page(memory, GuestLayout.EventFlagsPage(Index));
    }

    /// <summary>The VP index.</summary>
    public uint Index { get; }

    /// <summary>The processor the guest code runs on.</summary>
    public SimulatedProcessor Processor { get; }

    /// <summary>The issuing functions of this VP.</summary>
    public Hypercalls Hypercalls { get; }

    /// <summary>SynIC register access (routed).</summary>
    public SynicRegisterAccess Synic { get; }

    /// <summary>The SynIC message page the guest sets up.</summary>
    public GuestPage MessagePage { get; }

    /// <summary>The SynIC event flags page the guest sets up.</summary>
    public GuestPage EventFlagsPage { get; }

    // Guest memory is one native range, so a guest page is its base plus the GPA (the guest's virt_to_phys inverse).
    private static NativeGuestPage Page(Hypervisor.Memory.GuestMemory memory, ulong gpa)
    {
        if (!memory.Contains(gpa, GuestPage.Size))
            throw new System.ArgumentOutOfRangeException(nameof(gpa), $"GPA 0x{gpa:X} is outside the partition.");
        return new(memory.BaseAddress + (nint)gpa, gpa);
    }
}
