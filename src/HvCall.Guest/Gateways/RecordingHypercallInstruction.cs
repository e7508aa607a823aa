using System;
using System.Collections.Generic;
using HvCall.Abi;

namespace HvCall.Guest.Gateways;

/// <summary>Answers one executed hypercall by writing the result (and any output) into the registers.</summary>
/// <param name="registers">The registers as the caller set them; write the result slot.</param>
public delegate void HypercallResponder(ref HypercallRegisters registers);

/// <summary>
/// A fake hypercall instruction for tests: records the registers of every call as issued and lets a
/// responder answer it. The default responder answers success with every rep completed.
/// </summary>
public sealed class RecordingHypercallInstruction : IHypercallInstruction
{
    private readonly HypercallResponder _responder;
    private readonly List<HypercallRegisters> _calls = [];

    /// <summary>Creates the fake.</summary>
    /// <param name="architecture">The calling convention to claim.</param>
    /// <param name="responder">Answers each call; default: success, all reps completed.</param>
    public RecordingHypercallInstruction(HvArchitecture architecture = HvArchitecture.X64, HypercallResponder? responder = null)
    {
        Architecture = architecture;
        _responder = responder ?? SucceedAll;
    }

    /// <inheritdoc/>
    public HvArchitecture Architecture { get; }

    /// <summary>The registers of every executed call, as issued, oldest first.</summary>
    public IReadOnlyList<HypercallRegisters> Calls => _calls;

    /// <summary>The control words of every executed call, oldest first.</summary>
    public IEnumerable<HypercallControl> Controls
    {
        get
        {
            foreach (var call in _calls)
                yield return new HypercallControl(call[HypercallRegisters.Control]);
        }
    }

    /// <inheritdoc/>
    public void Execute(ref HypercallRegisters registers)
    {
        _calls.Add(registers);
        _responder(ref registers);
    }

    /// <summary>The default responder: success with reps completed equal to the rep count.</summary>
    /// <param name="registers">The registers.</param>
    public static void SucceedAll(ref HypercallRegisters registers)
    {
        var control = new HypercallControl(registers[HypercallRegisters.Control]);
        registers[HypercallRegisters.Result] = new HypercallResult(HvStatus.Success, control.RepCount).Value;
    }
}
