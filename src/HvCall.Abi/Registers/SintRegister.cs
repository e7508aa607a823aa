namespace HvCall.Abi.Registers;

/// <summary>The value of a SINTn register: vector, masked, auto-EOI, polling.</summary>
/// <remarks>
/// TLFS "SINTx Registers": bits 7:0 vector (16–255), 16 masked, 17 auto EOI, 18 polling; the reset
/// value is 0x10000 (masked, vector 0). Bits 15:8 and 63:19 are reserved RsvdP (preserve): a write
/// that sets them is not a fault and the register reads them back as written. Real guests rely on
/// that: Linux's <c>hv_synic_sint</c> sets bit 19 (<c>as_intercept</c>) and bit 20 (<c>proxy</c>).
/// </remarks>
/// <param name="Value">The raw 64-bit register value.</param>
public readonly record struct SintRegister(ulong Value)
{
    /// <summary>The masked bit, bit 16.</summary>
    public const ulong MaskedBit = 1UL << 16;
    /// <summary>The auto-EOI bit, bit 17.</summary>
    public const ulong AutoEoiBit = 1UL << 17;
    /// <summary>The polling bit, bit 18.</summary>
    public const ulong PollingBit = 1UL << 18;
    /// <summary>
    /// The bits the TLFS defines (vector, masked, auto EOI, polling). All others are reserved RsvdP:
    /// preserved on write, never a reason to fault.
    /// </summary>
    public const ulong DefinedMask = 0xFF | MaskedBit | AutoEoiBit | PollingBit;
    /// <summary>The smallest vector a SINT may use.</summary>
    public const byte MinimumVector = 16;

    /// <summary>The reset value: masked, vector 0.</summary>
    public static SintRegister Reset => new(MaskedBit);

    /// <summary>An unmasked SINT with the given vector.</summary>
    /// <param name="vector">The interrupt vector (16–255).</param>
    /// <param name="autoEoi">Whether the interrupt is auto-EOI.</param>
    public static SintRegister Unmasked(byte vector, bool autoEoi = false) =>
        new(vector | (autoEoi ? AutoEoiBit : 0));

    /// <summary>The interrupt vector.</summary>
    public byte Vector => (byte)Value;
    /// <summary>True when the SINT is masked.</summary>
    public bool IsMasked => (Value & MaskedBit) != 0;
    /// <summary>True when the interrupt is auto-EOI.</summary>
    public bool AutoEoi => (Value & AutoEoiBit) != 0;
    /// <summary>True when the SINT is in polling mode.</summary>
    public bool Polling => (Value & PollingBit) != 0;
    /// <summary>
    /// True when a write of this value is architecturally valid: a vector of at least 16 unless the
    /// SINT is masked. Reserved bits (RsvdP) do not make a write invalid.
    /// </summary>
    /// <remarks>TLFS "SINTx Registers": vector 16–255; the reset value 0x10000 (masked, vector 0) is writable.</remarks>
    public bool IsValid => IsMasked || Vector >= MinimumVector;
}

/// <summary>The value of SIMP or SIEFP: bit 0 enable, bits 63:12 the page frame number.</summary>
/// <remarks>TLFS "SIMP Register" and "SIEFP Register".</remarks>
/// <param name="Value">The raw 64-bit register value.</param>
public readonly record struct SynicPageRegister(ulong Value)
{
    /// <summary>The enable bit.</summary>
    public const ulong EnableBit = 1;
    /// <summary>Mask of the page address, bits 63:12.</summary>
    public const ulong AddressMask = ~0xFFFUL;

    /// <summary>An enabled page register pointing at <paramref name="gpa"/> (which must be page aligned).</summary>
    /// <param name="gpa">The page's guest physical address.</param>
    public static SynicPageRegister Enabled(ulong gpa) => new((gpa & AddressMask) | EnableBit);

    /// <summary>True when the page is enabled.</summary>
    public bool IsEnabled => (Value & EnableBit) != 0;
    /// <summary>The page's guest physical address.</summary>
    public ulong Gpa => Value & AddressMask;
}
