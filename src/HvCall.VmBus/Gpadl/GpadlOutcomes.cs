using System;
using HvCall.VmBus.Messages;

namespace HvCall.VmBus.Gpadl;

/// <summary>What the host does after a GPADL_HEADER or GPADL_BODY.</summary>
/// <remarks>vmbus-datapath.md §2 ("Host side", OpenVMM <c>handle_gpadl_header_core</c> / <c>handle_gpadl_body</c>).</remarks>
public enum GpadlOutcome
{
    /// <summary>Accepted, but more PFNs are due in GPADL_BODY messages: no reply yet.</summary>
    Pending,
    /// <summary>Complete and valid: reply GPADL_CREATED with <c>creation_status</c> 0.</summary>
    Created,
    /// <summary>Refused: reply GPADL_CREATED with STATUS_UNSUCCESSFUL (0x8000FFFF); the GPADL does not exist.</summary>
    Refused,
    /// <summary>A GPADL_BODY that fits no GPADL in progress (or too short to name one): no reply, as OpenVMM.</summary>
    Dropped,
}

/// <summary>
/// The result of a GPADL_HEADER or GPADL_BODY: the outcome, the reason when refused or dropped, and the ids the
/// GPADL_CREATED reply needs (Linux matches the reply on relid + gpadl).
/// </summary>
/// <remarks>vmbus-datapath.md §2 (GPADL_CREATED: relid @8, gpadl @12, creation_status @16).</remarks>
public readonly struct GpadlResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="outcome">What to do.</param>
    /// <param name="error">Why, when refused or dropped; <see cref="GpadlError.None"/> otherwise.</param>
    /// <param name="childRelId">The channel the GPADL_HEADER named (0 when the message was too short to say).</param>
    /// <param name="gpadl">The GPADL id (0 when the message was too short to say).</param>
    public GpadlResult(GpadlOutcome outcome, GpadlError error, uint childRelId, uint gpadl)
    {
        Outcome = outcome;
        Error = error;
        ChildRelId = childRelId;
        Gpadl = gpadl;
    }

    /// <summary>What to do.</summary>
    public GpadlOutcome Outcome { get; }

    /// <summary>Why the message was refused or dropped; <see cref="GpadlError.None"/> for Pending and Created.</summary>
    public GpadlError Error { get; }

    /// <summary>The channel (<c>child_relid</c>) for the reply.</summary>
    public uint ChildRelId { get; }

    /// <summary>The GPADL id for the reply.</summary>
    public uint Gpadl { get; }

    /// <summary>Whether a GPADL_CREATED reply is due (Created or Refused).</summary>
    public bool HasReply => Outcome is GpadlOutcome.Created or GpadlOutcome.Refused;

    /// <summary>The reply's <c>creation_status</c>: STATUS_SUCCESS (0) when created, else STATUS_UNSUCCESSFUL.</summary>
    public uint CreationStatus => Outcome == GpadlOutcome.Created ? ChannelMessages.StatusSuccess : ChannelMessages.StatusUnsuccessful;

    /// <summary>Writes the GPADL_CREATED reply (20 bytes). Only meaningful when <see cref="HasReply"/>.</summary>
    /// <param name="destination">At least 20 bytes.</param>
    /// <returns>The 20 bytes written.</returns>
    /// <exception cref="InvalidOperationException">No reply is due (Pending or Dropped).</exception>
    public Span<byte> WriteReply(Span<byte> destination)
    {
        if (!HasReply)
            throw new InvalidOperationException($"A {Outcome} GPADL message has no reply.");
        return ChannelMessages.WriteGpadlCreated(destination, ChildRelId, Gpadl, CreationStatus);
    }

    /// <inheritdoc/>
    public override string ToString() => Error == GpadlError.None
        ? $"{Outcome} relid {ChildRelId} gpadl 0x{Gpadl:X}"
        : $"{Outcome} ({Error}) relid {ChildRelId} gpadl 0x{Gpadl:X}";
}

/// <summary>What the host does after a GPADL_TEARDOWN.</summary>
/// <remarks>vmbus-datapath.md §2 ("TEARDOWN of a GPADL still in use … is deferred"), §1 (CLOSECHANNEL: Linux waits
/// for the TORNDOWN with no timeout).</remarks>
public enum GpadlTeardownOutcome
{
    /// <summary>Removed: reply GPADL_TORNDOWN(gpadl) now.</summary>
    TornDown,
    /// <summary>In use by an open channel: marked; reply GPADL_TORNDOWN when <see cref="GpadlTable.Release"/> says so.</summary>
    Deferred,
    /// <summary>
    /// Not a created GPADL of that channel (unknown, other channel, still in progress, already tearing down, or a
    /// short message): no reply, as OpenVMM (<c>UnknownGpadlId</c> / <c>InvalidGpadlState</c> errors).
    /// </summary>
    Unknown,
}

/// <summary>The result of a GPADL_TEARDOWN: the outcome, the reason when Unknown, and the GPADL id.</summary>
/// <remarks>vmbus-datapath.md §2 (GPADL_TORNDOWN: gpadl @8).</remarks>
public readonly struct GpadlTeardownResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="outcome">What to do.</param>
    /// <param name="error">Why, when Unknown.</param>
    /// <param name="gpadl">The GPADL id.</param>
    public GpadlTeardownResult(GpadlTeardownOutcome outcome, GpadlError error, uint gpadl)
    {
        Outcome = outcome;
        Error = error;
        Gpadl = gpadl;
    }

    /// <summary>What to do.</summary>
    public GpadlTeardownOutcome Outcome { get; }

    /// <summary>Why the teardown was ignored; <see cref="GpadlError.None"/> otherwise.</summary>
    public GpadlError Error { get; }

    /// <summary>The GPADL id.</summary>
    public uint Gpadl { get; }

    /// <summary>Whether a GPADL_TORNDOWN reply is due now.</summary>
    public bool HasReply => Outcome == GpadlTeardownOutcome.TornDown;

    /// <inheritdoc/>
    public override string ToString() => Error == GpadlError.None
        ? $"{Outcome} gpadl 0x{Gpadl:X}"
        : $"{Outcome} ({Error}) gpadl 0x{Gpadl:X}";
}
