namespace HvCall.Tracing;

/// <summary>What a <see cref="TraceEvent"/> records. Each kind names the meaning of the event's words.</summary>
public enum TraceEventKind : byte
{
    /// <summary>
    /// A VP executed the hypercall instruction and trapped to the hypervisor of its partition. Words: control
    /// word as issued (nested bit included), input (GPA, or RDX/X1 for a fast call), output (GPA, or R8/X2).
    /// </summary>
    HypercallIssued,

    /// <summary>
    /// A nested hypervisor handed a call with the nested bit to its parent (TLFS "Nested Virtualization"). The
    /// event is in the parent's terms: its layer, the partition the child hypervisor runs in, the same VP index.
    /// Words: control word (bit 31 as issued), input, output.
    /// </summary>
    HypercallForwarded,

    /// <summary>
    /// One execution of the instruction ended. Track and VP: the issuer, as with <see cref="HypercallIssued"/>.
    /// Words: control word as issued, the result word (status in bits 15:0, reps completed in 43:32), 1 when the
    /// rep call continues (the instruction re-executes), else 0, and the layer of the hypervisor that handled it.
    /// </summary>
    HypercallCompleted,

    /// <summary>RDMSR of a synthetic MSR, on the issuer's track. Words: MSR as issued, value, MSR as handled (a
    /// nested SynIC MSR of a nested root is handled by the parent as its plain counterpart, TLFS "Nested
    /// Virtualization"), and bit 0 set when the access raised #GP with the handling layer in bits 15:8.</summary>
    MsrRead,

    /// <summary>WRMSR of a synthetic MSR. Words as for <see cref="MsrRead"/>.</summary>
    MsrWrite,

    /// <summary>The SynIC published a message in a SINT's slot (TLFS "SynIC Message Flags"). Words: SINT, message type,
    /// 1 when more messages wait for the slot (MessagePending).</summary>
    SynicMessageDelivered,

    /// <summary>The guest wrote HV_X64_MSR_EOM (end of message). Words: none.</summary>
    SynicEndOfMessage,

    /// <summary>An event flag went from clear to set (TLFS "SynIC Event Flags"). Words: SINT, flag number.</summary>
    EventFlagSet,

    /// <summary>A SynIC interrupt was raised on the VP. Words: SINT, vector.</summary>
    InterruptRaised,

    /// <summary>The VMBus server took a control message from the guest or posted one to it (vmbus.md), on the served
    /// partition's track. Words: message type, 1 for host → guest, 0 for guest → host, message length in bytes.</summary>
    VmBusControlMessage,

    /// <summary>The VMBus server read a packet of the guest's ring or wrote one to its own (vmbus-datapath.md), on the
    /// served partition's track and the channel's target VP. Words: relid, packet type, ring bytes the packet takes
    /// (descriptor, padded payload, trailer), 1 for host → guest, 0 for guest → host.</summary>
    VmBusPacket,

    /// <summary>The host → guest ring's fill after the server wrote a packet. Words: relid, bytes in use (the
    /// largest packet minus the free bytes, the 8-byte reserve excluded), ring data size, 1 (host → guest).</summary>
    RingFill,
}
