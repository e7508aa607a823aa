using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Processors;

namespace HvCall.Hypervisor.Partitions;

/// <summary>What a partition is made of; the hypervisor creates the partition from it.</summary>
/// <param name="Name">A name for traces ("root", "guest", "l1-vm").</param>
/// <param name="Architecture">The processor architecture.</param>
/// <param name="VpCount">Number of virtual processors (1 to 64).</param>
/// <param name="MemorySize">Guest memory size in bytes (a multiple of 4096).</param>
/// <param name="Privileges">The partition privilege mask (CPUID 0x40000003 EAX:EBX).</param>
public sealed record PartitionConfiguration(
    string Name,
    HvArchitecture Architecture,
    int VpCount,
    ulong MemorySize,
    HvPartitionPrivileges Privileges)
{
    /// <summary>True for the root partition of its hypervisor.</summary>
    public bool IsRoot { get; init; }

    /// <summary>
    /// Memory to use instead of fresh memory: a nested root shares the memory of the L1 VM
    /// (its GPAs are the L1 VM's GPAs).
    /// </summary>
    public GuestMemory? SharedMemory { get; init; }

    /// <summary>
    /// The guest OS id the partition starts with; zero (the default) until its guest writes one. A
    /// partition running a hypervisor (the L1 VM) has identified itself before any simulated call.
    /// </summary>
    public ulong GuestOsId { get; init; }

    /// <summary>The privileges a typical guest partition holds: SynIC, hypercall MSRs, VP index, post/signal, VP registers, partition id, extended hypercalls.</summary>
    public const HvPartitionPrivileges GuestDefault =
        HvPartitionPrivileges.AccessSynicRegs | HvPartitionPrivileges.AccessHypercallMsrs |
        HvPartitionPrivileges.AccessVpIndex | HvPartitionPrivileges.PostMessages |
        HvPartitionPrivileges.SignalEvents | HvPartitionPrivileges.AccessVpRegisters |
        HvPartitionPrivileges.AccessPartitionId | HvPartitionPrivileges.EnableExtendedHypercalls;

    /// <summary>The privileges of a root partition: the guest set plus partition, port and CPU management.</summary>
    public const HvPartitionPrivileges RootDefault = GuestDefault |
        HvPartitionPrivileges.CreatePartitions | HvPartitionPrivileges.AccessMemoryPool |
        HvPartitionPrivileges.CreatePort | HvPartitionPrivileges.ConnectPort | HvPartitionPrivileges.CpuManagement;
}

/// <summary>A partition: its id, privileges, memory, virtual processors and partition-wide MSRs.</summary>
public sealed class Partition
{
    private readonly VirtualProcessor[] _vps;

    internal Partition(HvHypervisor hypervisor, ulong id, PartitionConfiguration configuration)
    {
        if (configuration.VpCount is < 1 or > 64)
            throw new ArgumentOutOfRangeException(nameof(configuration), configuration.VpCount, "A partition has 1 to 64 virtual processors.");
        Hypervisor = hypervisor;
        Id = id;
        Name = configuration.Name;
        Architecture = configuration.Architecture;
        Privileges = configuration.Privileges;
        IsRoot = configuration.IsRoot;
        Memory = configuration.SharedMemory ?? new GuestMemory(configuration.MemorySize);
        GuestOsId = configuration.GuestOsId;
        _vps = new VirtualProcessor[configuration.VpCount];
        for (var i = 0; i < _vps.Length; i++)
            _vps[i] = new VirtualProcessor(this, (uint)i);
    }

    /// <summary>The hypervisor that runs this partition.</summary>
    public HvHypervisor Hypervisor { get; }

    /// <summary>The partition id (HvCallGetPartitionId).</summary>
    public ulong Id { get; }

    /// <summary>The name given at creation.</summary>
    public string Name { get; }

    /// <summary>The processor architecture.</summary>
    public HvArchitecture Architecture { get; }

    /// <summary>The privilege mask; host code (the creator of the partition) may change it.</summary>
    public HvPartitionPrivileges Privileges { get; set; }

    /// <summary>True for the root partition of its hypervisor.</summary>
    public bool IsRoot { get; }

    /// <summary>The partition's guest physical memory.</summary>
    public GuestMemory Memory { get; }

    /// <summary>The virtual processors.</summary>
    public IReadOnlyList<VirtualProcessor> VirtualProcessors => _vps;

    /// <summary>The enable bit (bit 0) of HV_X64_MSR_HYPERCALL.</summary>
    internal const ulong HypercallPageEnableBit = 1;

    private ulong _guestOsId;

    /// <summary>HV_X64_MSR_GUEST_OS_ID / HvRegisterGuestOsId; zero until the guest identifies itself.
    /// Host code may preset it, as for a partition restored after its guest booted.</summary>
    /// <remarks>
    /// The one place the guest OS id is written: the GUEST_OS_ID MSR trap, HvCallSetVpRegisters
    /// (HvRegisterGuestOsId) and host code all set it here. Setting it to zero disables the hypercall
    /// page (clears the enable bit of <see cref="HypercallMsr"/>), whichever path wrote it (TLFS
    /// "Reporting the Guest OS Identity" and "Establishing the Hypercall Interface": the hypercall page
    /// is usable only while the guest OS id is non-zero).
    /// </remarks>
    public ulong GuestOsId
    {
        get => _guestOsId;
        set
        {
            _guestOsId = value;
            if (value == 0)
                HypercallMsr &= ~HypercallPageEnableBit;
        }
    }

    /// <summary>HV_X64_MSR_HYPERCALL: hypercall page GPFN and enable bit.</summary>
    public ulong HypercallMsr { get; internal set; }

    /// <summary>True when the partition holds every privilege in <paramref name="required"/>.</summary>
    /// <param name="required">The privileges to test.</param>
    public bool Has(HvPartitionPrivileges required) => (Privileges & required) == required;

    /// <summary>A VP by index.</summary>
    /// <param name="index">The VP index.</param>
    /// <param name="vp">The VP, when it exists.</param>
    public bool TryGetVp(uint index, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out VirtualProcessor? vp)
    {
        vp = index < (uint)_vps.Length ? _vps[index] : null;
        return vp is not null;
    }

    /// <summary>"name (id n)".</summary>
    public override string ToString() => $"{Name} (id {Id})";
}
