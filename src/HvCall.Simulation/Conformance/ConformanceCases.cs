using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using static HvCall.Simulation.Conformance.ConformanceRunner;

namespace HvCall.Simulation.Conformance;

/// <summary>
/// The built-in conformance cases, in one place: at least one per row of host-implementations.md §1.9 (the table of
/// differences between hosts) and the PostMessage and SignalEvent statuses of §2.1-§2.2, each citing its source.
/// </summary>
/// <remarks>
/// Every call is well formed except for the one fault the case names, and aimed at a connection L0 serves
/// (<see cref="ConformanceRunner"/>): a host that does not check that fault answers what it answers for the good call
/// (SUCCESS), which is the difference a guest sees. All cases run on x64 (KVM and QEMU answer Hyper-V calls on x64 only).
/// Control words: TLFS "Hypercall Inputs" (§1.1); input layouts: §2.1 (PostMessage, 256 bytes) and §2.2 (SignalEvent).
/// </remarks>
public static class ConformanceCases
{
    private const string Table = "host-implementations.md §1.9 row \"";
    private const ulong ReservedBit27 = 1UL << 27;
    private const ulong OutsideRam = 0x1_0000_0000; // 4 GiB, past the machine's 64 MiB
    private const int StraddlingOffset = 4096 - 8;  // 256 bytes from here cross into the next page

    /// <summary>Every case, in the order the matrix prints them.</summary>
    public static IReadOnlyList<ConformanceCase> All { get; } =
    [
        new("unknown-code", "code 0xBEEF, simple, no input", Table + "unknown code\"", Call(0xBEEF)),
        new("reserved-control-bit", "fast SignalEvent to the event connection with control bit 27 (RsvdZ) set",
            Table + "reserved control bit set\"", FastSignal(extra: ReservedBit27)),
        new("nested-bit-flat-guest", "fast SignalEvent with bit 31 from a flat guest (no child hypervisor forwarded it)",
            Table + "reserved control bit set\" (KVM's mask includes bit 31); §3", FastSignal(extra: HypercallControl.NestedBit)),
        new("rep-count-on-simple", "fast SignalEvent (simple) with rep count 1",
            Table + "rep count on simple / 0 on rep / start ≥ count\"", FastSignal(extra: Reps(1, 0))),
        new("rep-count-zero-flush-list", "FlushVirtualAddressList (rep) with rep count 0",
            Table + "rep count on simple / 0 on rep / start ≥ count\"; §4.4 (0x0003)", Flush(Reps(0, 0))),
        new("rep-count-zero-get-vp-registers", "GetVpRegisters (rep) with rep count 0",
            Table + "rep count on simple / 0 on rep / start ≥ count\"; §7", GetVpRegisters(Reps(0, 0))),
        new("rep-start-past-count-flush-list", "FlushVirtualAddressList with rep count 2, rep start 2",
            Table + "rep count on simple / 0 on rep / start ≥ count\"; §4.4 (0x0003)", Flush(Reps(2, 2))),
        new("rep-start-past-count-get-vp-registers", "GetVpRegisters with rep count 2, rep start 2",
            Table + "rep count on simple / 0 on rep / start ≥ count\"; §7", GetVpRegisters(Reps(2, 2))),
        new("variable-header-on-fixed-call", "fast SignalEvent with a variable header of 1 qword",
            Table + "var header on non-variable call\"; §1.6", FastSignal(extra: 1UL << HypercallControl.VariableHeaderShift)),
        new("misaligned-gpa-signal-event", "slow SignalEvent, input GPA 4 bytes past an 8-byte boundary",
            Table + "misaligned GPA\"", SlowSignal(offset: 4)),
        new("misaligned-gpa-post-message", "PostMessage, input GPA 4 bytes past an 8-byte boundary",
            Table + "misaligned GPA\"; §6 (QEMU: aligned to the struct's 4)", Post(offset: 4)),
        new("list-crosses-page", "PostMessage, 256-byte input starting 8 bytes before a page end",
            Table + "list crosses page\"", Post(offset: StraddlingOffset)),
        new("gpa-outside-ram-post-message", "PostMessage, input GPA at 4 GiB (outside guest memory)",
            Table + "GPA unreadable / outside RAM\"", Call(HvCallCode.PostMessage.Value) with { Rdx = OutsideRam }),
        new("gpa-outside-ram-signal-event", "slow SignalEvent, input GPA at 4 GiB (outside guest memory)",
            Table + "GPA unreadable / outside RAM\"; §4.4 (kvm_hvcall_signal_event)", Call(HvCallCode.SignalEvent.Value) with { Rdx = OutsideRam }),
        new("fast-post-message", "PostMessage (no fast form) with the fast flag, 16 bytes in RDX:R8",
            Table + "Fast flag on call without fast form\"", FastPost()),
        new("fast-ext-query-capabilities", "HvExtCallQueryCapabilities 0x8001 (no fast form) with the fast flag",
            Table + "Fast flag on call without fast form\"; §4.4 (0x8001..0x8041)", Call(0x8001 | HypercallControl.FastBit) with { Rdx = 0, R8 = 0 }),
        new("fast-input-too-large", "fast SetVpRegisters with rep count 4: 144 bytes of input, more than the 112-byte register block",
            Table + "Fast flag on call without fast form\" (OVMM: input > register capacity); §7 (3)",
            Call(HvCallCode.SetVpRegisters.Value | HypercallControl.FastBit | Reps(4, 0)) with { Rdx = 0, R8 = 0 }),
        new("missing-privilege", "PostMessage from a caller without the PostMessages privilege",
            Table + "missing privilege\"; §2.1 (ACCESS_DENIED)", Post()) { RevokedPrivileges = HvPartitionPrivileges.PostMessages },
        new("missing-privilege-enforce-cpuid", "as missing-privilege, each profile with EnforceCpuid on (KVM_CAP_HYPERV_ENFORCE_CPUID)",
            Table + "missing privilege\" (KVM: ENFORCE_CPUID only); §4.3", Post())
        { RevokedPrivileges = HvPartitionPrivileges.PostMessages, EnforceCpuid = true },
        new("invalid-connection-id-post-message", "PostMessage to connection 0x999 (nothing connected)",
            Table + "invalid connection id\"; §2.1", Post(connection: UnknownConnection)),
        new("invalid-connection-id-signal-event", "fast SignalEvent to connection 0x999 (nothing connected)",
            Table + "invalid connection id\"; §2.2", FastSignal(connection: UnknownConnection)),
        new("queue-full", "17th PostMessage to a port whose 16 buffers nobody empties",
            Table + "no message buffers / queue full\"; §2.3 (16 buffers per port)", Post()) { PrecedingCalls = 16 },
        new("post-message-bad-type", "PostMessage with message type 0",
            "host-implementations.md §2.1 (MessageType == 0); §6 (QEMU VMBus: type ≠ 1); §7", Post(type: 0)),
        new("post-message-payload-over-240", "PostMessage with payload size 241",
            "host-implementations.md §2.1 (PayloadSize > 240); §6; §7", Post(payloadSize: 241)),
        new("post-message-reserved-nonzero", "PostMessage with the reserved u32 at offset 4 set to 1",
            "host-implementations.md §2.1 (RsvdZ u32 @4); docs/machine-model.md (PostMessage check order)", Post(reserved: 1)),
        new("signal-event-flag-out-of-range", "fast SignalEvent, flag number 1 on a port with 1 flag",
            "host-implementations.md §2.2 (flag ≥ port flag count); §4.4, §6 (flag number ≠ 0); §7 (signal_event)", FastSignal(flag: 1)),
        new("signal-event-reserved-nonzero", "fast SignalEvent with the reserved u16 (bits 63:48) set to 1",
            "host-implementations.md §2.2 (RsvdZ u16 @6); §4.4, §6 (bits outside the connection id)", FastSignal(reserved: 1)),
        new("nested-root-post-message", "nested: L1's root posts to L0's connection with bit 31 (forwarded by L1)",
            "host-implementations.md §3 (Is Nested bit; KVM's handler rejects it; the nested-vmbus relay)",
            Post(extra: HypercallControl.NestedBit)) { Topology = Topology.Nested },
        new("nested-root-signal-event", "nested: L1's root signals L0's event connection, fast, with bit 31",
            "host-implementations.md §3 (Is Nested bit; KVM's handler rejects it; the nested-vmbus relay)",
            FastSignal(extra: HypercallControl.NestedBit)) { Topology = Topology.Nested },
    ];

    /// <summary>The case named <paramref name="name"/>.</summary>
    /// <param name="name">The name (ordinal, case-sensitive).</param>
    /// <exception cref="KeyNotFoundException">No case has that name.</exception>
    public static ConformanceCase Get(string name)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name, name, StringComparison.Ordinal))
                return candidate;
        }
        throw new KeyNotFoundException($"No conformance case is named '{name}'.");
    }

    private static RawCallRequest Call(ulong control) => new(new HypercallControl(control));

    private static ulong Reps(int count, int start) =>
        ((ulong)count << HypercallControl.RepCountShift) | ((ulong)start << HypercallControl.RepStartShift);

    // HV_INPUT_POST_MESSAGE (§2.1): ConnectionId u32 @0, RsvdZ u32 @4, MessageType u32 @8, PayloadSize u32 @12, Message[240] @16.
    private static RawCallRequest Post(uint connection = MessageConnection, uint type = 1, uint payloadSize = 16, uint reserved = 0,
        int offset = 0, ulong extra = 0)
    {
        var input = new byte[256];
        BinaryPrimitives.WriteUInt32LittleEndian(input, connection);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(4), reserved);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), type);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(12), payloadSize);
        return Call(HvCallCode.PostMessage.Value | extra) with { Input = input, InputOffset = offset };
    }

    private static RawCallRequest FastPost() =>
        Call(HvCallCode.PostMessage.Value | HypercallControl.FastBit) with { Rdx = MessageConnection, R8 = 1UL | (16UL << 32) };

    // HV_INPUT_SIGNAL_EVENT (§2.2): ConnectionId u32 @0, FlagNumber u16 @4, RsvdZ u16 @6.
    private static ulong SignalInput(uint connection, ushort flag, ushort reserved) =>
        connection | ((ulong)flag << 32) | ((ulong)reserved << 48);

    private static RawCallRequest FastSignal(uint connection = EventConnection, ushort flag = 0, ushort reserved = 0, ulong extra = 0) =>
        Call(HvCallCode.SignalEvent.Value | HypercallControl.FastBit | extra) with { Rdx = SignalInput(connection, flag, reserved), R8 = 0 };

    private static RawCallRequest SlowSignal(int offset)
    {
        var input = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(input, SignalInput(EventConnection, 0, 0));
        return Call(HvCallCode.SignalEvent.Value) with { Input = input, InputOffset = offset };
    }

    // HV_INPUT_FLUSH_VIRTUAL_ADDRESS_LIST: AddressSpace, Flags (HV_FLUSH_ALL_PROCESSORS), ProcessorMask, then GVAs.
    private static RawCallRequest Flush(ulong reps)
    {
        var input = new byte[24 + 2 * 8];
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(8), 1);
        return Call(HvCallCode.FlushVirtualAddressList.Value | reps) with { Input = input };
    }

    // HV_INPUT_GET_VP_REGISTERS: PartitionId (HV_PARTITION_ID_SELF), VpIndex (HV_VP_INDEX_SELF), Vtl, then register names.
    private static RawCallRequest GetVpRegisters(ulong reps)
    {
        var input = new byte[16 + 2 * 4];
        BinaryPrimitives.WriteUInt64LittleEndian(input, ulong.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), uint.MaxValue - 1);
        return Call(HvCallCode.GetVpRegisters.Value | reps) with { Input = input, OutputLength = 32 };
    }
}
