namespace HvCall.Abi.Messages;

/// <summary>
/// The 8-byte input of HvCallSignalEvent (0x5D), as passed in RDX (x64) or X2 (ARM64) for the fast form.
/// </summary>
/// <remarks>TLFS HvCallSignalEvent: ConnectionId u32 bits 31:0, FlagNumber u16 bits 47:32, reserved bits 63:48.</remarks>
/// <param name="Value">The raw 64-bit input.</param>
public readonly record struct SignalEventInput(ulong Value)
{
    /// <summary>Builds the input.</summary>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="flagNumber">The event flag number relative to the port's base flag.</param>
    public SignalEventInput(HvConnectionId connectionId, ushort flagNumber)
        : this(connectionId.Value | ((ulong)flagNumber << 32)) { }

    /// <summary>The connection id field (all 32 bits).</summary>
    public HvConnectionId ConnectionId => new((uint)Value);
    /// <summary>The flag number.</summary>
    public ushort FlagNumber => (ushort)(Value >> 32);
    /// <summary>The reserved bits 63:48.</summary>
    public ushort Reserved => (ushort)(Value >> 48);
}

/// <summary>
/// A connection id (<c>HV_CONNECTION_ID</c>): a 24-bit id; the high 8 bits are reserved and must be zero.
/// </summary>
/// <remarks>TLFS "Inter-Partition Communication", HV_CONNECTION_ID.</remarks>
/// <param name="Value">The raw 32-bit value.</param>
public readonly record struct HvConnectionId(uint Value)
{
    /// <summary>Mask of the id bits.</summary>
    public const uint IdMask = 0x00FF_FFFF;

    /// <summary>The 24-bit id.</summary>
    public uint Id => Value & IdMask;
    /// <summary>True when a reserved bit (31:24) is set.</summary>
    public bool HasReservedBits => (Value & ~IdMask) != 0;

    /// <summary>Hex spelling, such as <c>0x000004</c>.</summary>
    public override string ToString() => $"0x{Value:X6}";
}
