namespace HvCall.Abi;

/// <summary>
/// The hypercall result value: x64 RAX, ARM64 X0. A view over the raw 64 bits.
/// </summary>
/// <remarks>
/// TLFS "Hypercall Interface", "Hypercall Outputs": bits 15:0 status, 31:16 reserved, 43:32 reps
/// completed, 63:44 reserved. Reps completed is absolute: a call with rep start 5 and rep count 10
/// that succeeds reports 10, not 5.
/// </remarks>
/// <param name="Value">The raw 64-bit result.</param>
public readonly record struct HypercallResult(ulong Value)
{
    /// <summary>Bit position of the reps-completed field.</summary>
    public const int RepsCompletedShift = 32;
    /// <summary>Mask of the reps-completed field, bits 43:32.</summary>
    public const ulong RepsCompletedMask = 0xFFFUL << RepsCompletedShift;
    /// <summary>Reserved bits 31:16 and 63:44; callers ignore them.</summary>
    public const ulong ReservedMask = 0xFFFF_F000_FFFF_0000;

    /// <summary>A result with the given status and reps completed.</summary>
    /// <param name="status">The status.</param>
    /// <param name="repsCompleted">Reps completed, 0 to 4095.</param>
    public HypercallResult(HvStatus status, int repsCompleted = 0)
        : this((ulong)(ushort)status | (((ulong)(uint)repsCompleted << RepsCompletedShift) & RepsCompletedMask)) { }

    /// <summary>The status.</summary>
    public HvStatus Status => (HvStatus)(ushort)Value;
    /// <summary>The number of reps completed, counted from zero, not from the rep start index.</summary>
    public int RepsCompleted => (int)((Value & RepsCompletedMask) >> RepsCompletedShift);
    /// <summary>The reserved bits that are set.</summary>
    public ulong ReservedBits => Value & ReservedMask;
    /// <summary>True when the status is <see cref="HvStatus.Success"/>.</summary>
    public bool IsSuccess => Status == HvStatus.Success;

    /// <summary>The raw value.</summary>
    /// <param name="result">The result.</param>
    public static implicit operator ulong(HypercallResult result) => result.Value;

    /// <summary>The status name and reps completed, such as <c>HV_STATUS_SUCCESS (reps 3)</c>.</summary>
    public override string ToString() => $"{HvStatusNames.TlfsName(Status)} (reps {RepsCompleted})";
}
