using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Guest.Routing;

namespace HvCall.Guest;

/// <summary>
/// The hypercall issuing functions of one virtual processor. Every function builds its control word
/// from the call code and ORs in the nested bit looked up in the <see cref="NestedRouting"/> table,
/// after the code is widened to 64 bits, so no call site decides nesting and no path can lose the bit.
/// </summary>
/// <remarks>
/// TLFS "Hypercall Interface": simple and rep calls through memory (GPAs of the per-VP
/// <see cref="HypercallPages"/>), fast calls through registers (8 or 16 bytes in RDX/R8 or X2/X3,
/// extended fast up to 112 bytes on x64 and 128 bytes on ARM64). Rep calls are continued until every
/// rep completes or one fails (TLFS "Hypercall Continuation").
/// </remarks>
public sealed partial class Hypercalls
{
    /// <summary>The SMCCC function id in X0 for a Hyper-V hypercall on ARM64 (fast call, HVC64, vendor hypervisor, function 1).</summary>
    public const ulong Arm64FunctionId = 0x4600_0001;

    /// <summary>Fast block capacity in qwords on x64: RDX, R8, XMM0–XMM5.</summary>
    public const int X64FastQwords = 14;

    /// <summary>Fast block capacity in qwords on ARM64: X2–X17.</summary>
    public const int Arm64FastQwords = 16;

    /// <summary>How many times a TIMEOUT without progress is retried before it is returned.</summary>
    public const int MaxStalledRetries = 1024;

    private readonly IHypercallInstruction _instruction;
    private readonly NestedRouting _routing;
    private readonly ulong _functionId;
    private readonly Hypercalls _home;
    private readonly Hypercalls? _toParent;
    private readonly Hypercalls? _toThisHypervisor;

    /// <summary>The issuing functions of one VP.</summary>
    /// <param name="instruction">What executes the hypercall instruction.</param>
    /// <param name="routing">The routing table built at early init.</param>
    /// <param name="pages">This VP's input and output pages.</param>
    /// <exception cref="NotSupportedException">A nested routing table on an ARM64 instruction.</exception>
    public Hypercalls(IHypercallInstruction instruction, NestedRouting routing, HypercallPages pages)
        : this(instruction, routing, pages, home: null) { }

    private Hypercalls(IHypercallInstruction instruction, NestedRouting routing, HypercallPages pages, Hypercalls? home)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(pages);
        Architecture = instruction.Architecture;
        if (Architecture == HvArchitecture.Arm64 && routing.IsEnabled)
            throw new NotSupportedException("Nested routing is x64-only: Hyper-V has no nested virtualization on ARM64.");
        _instruction = instruction;
        _routing = routing;
        _functionId = Architecture == HvArchitecture.Arm64 ? Arm64FunctionId : 0;
        FastCapacity = Architecture == HvArchitecture.Arm64 ? Arm64FastQwords : X64FastQwords;
        Pages = pages;
        _home = home ?? this;
        if (home is null)
        {
            if (Architecture == HvArchitecture.X64)
                _toParent = new Hypercalls(instruction, NestedRouting.AllNormalCodes, pages, this);
            _toThisHypervisor = routing.IsEnabled ? new Hypercalls(instruction, NestedRouting.None, pages, this) : this;
        }
    }

    /// <summary>The architecture of the calling convention.</summary>
    public HvArchitecture Architecture { get; }

    /// <summary>The routing table in force.</summary>
    public NestedRouting Routing => _routing;

    /// <summary>This VP's input and output pages.</summary>
    public HypercallPages Pages { get; }

    /// <summary>Fast block capacity in qwords (14 on x64, 16 on ARM64).</summary>
    public int FastCapacity { get; }

    /// <summary>
    /// The same functions with every normal call sent to the parent (L0) hypervisor, for the rare
    /// call site that must break "always nested or never". Extended calls are still never nested.
    /// </summary>
    /// <exception cref="NotSupportedException">On ARM64, which has no nested virtualization.</exception>
    public Hypercalls ToParent => _home._toParent ?? throw new NotSupportedException(
        "ARM64 has no nested virtualization: there is no parent hypervisor to target.");

    /// <summary>The same functions with no call sent nested: the hypervisor this partition runs on.</summary>
    public Hypercalls ToThisHypervisor => _home._toThisHypervisor!;

    /// <summary>The control word this issuer builds for <paramref name="code"/>: the code plus its routed nested bit.</summary>
    /// <param name="code">The call code.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HypercallControl ControlFor(HvCallCode code) => new(code.Value | _routing.FlagFor(code));

    /// <summary>A simple (or variable) memory call: input and output by GPA.</summary>
    /// <param name="code">The call code.</param>
    /// <param name="inputGpa">GPA of the input (8-byte aligned) or 0.</param>
    /// <param name="outputGpa">GPA of the output (8-byte aligned) or 0.</param>
    /// <param name="variableHeaderSize">Variable header size in qwords (variable calls only).</param>
    public HypercallResult Simple(HvCallCode code, ulong inputGpa, ulong outputGpa, int variableHeaderSize = 0)
    {
        var registers = default(HypercallRegisters);
        registers[HypercallRegisters.Input] = inputGpa;
        registers[HypercallRegisters.Output] = outputGpa;
        return ExecuteOnce(ref registers, new HypercallControl(ControlFor(code).Value | VariableHeader(variableHeaderSize)));
    }

    /// <summary>A simple memory call using this VP's input and output pages.</summary>
    /// <param name="code">The call code.</param>
    public HypercallResult Simple(HvCallCode code) => Simple(code, Pages.Input.Gpa, Pages.Output.Gpa);

    /// <summary>A fast call with 8 bytes of input (RDX / X2).</summary>
    /// <param name="code">The call code.</param>
    /// <param name="input">The input qword.</param>
    public HypercallResult Fast8(HvCallCode code, ulong input)
    {
        var registers = default(HypercallRegisters);
        registers[HypercallRegisters.Input] = input;
        return ExecuteOnce(ref registers, new HypercallControl(ControlFor(code).Value | HypercallControl.FastBit));
    }

    /// <summary>A fast call with 16 bytes of input (RDX, R8 / X2, X3).</summary>
    /// <param name="code">The call code.</param>
    /// <param name="input0">The first input qword.</param>
    /// <param name="input1">The second input qword.</param>
    public HypercallResult Fast16(HvCallCode code, ulong input0, ulong input1)
    {
        var registers = default(HypercallRegisters);
        registers[HypercallRegisters.Input] = input0;
        registers[HypercallRegisters.Output] = input1;
        return ExecuteOnce(ref registers, new HypercallControl(ControlFor(code).Value | HypercallControl.FastBit));
    }

    /// <summary>
    /// An extended fast call: input in the fast block (x64 RDX, R8, XMM0–5; ARM64 X2–X17), output in
    /// the block qwords after the input rounded up to 16 bytes. A rep count continues as
    /// <see cref="Rep(HvCallCode, int, ulong, ulong, int)"/> does.
    /// </summary>
    /// <param name="code">The call code.</param>
    /// <param name="input">The input qwords.</param>
    /// <param name="output">Receives the output qwords.</param>
    /// <param name="repCount">The rep count (0 for a simple call).</param>
    /// <param name="variableHeaderSize">Variable header size in qwords.</param>
    /// <exception cref="ArgumentException">Input and output do not fit in the fast block.</exception>
    /// <remarks>On x64 more than 16 bytes of input needs CPUID 0x40000003 EDX bit 4, and any output bit 15.</remarks>
    public HypercallResult FastExtended(HvCallCode code, ReadOnlySpan<ulong> input, Span<ulong> output, int repCount = 0, int variableHeaderSize = 0)
    {
        var outputStart = (input.Length + 1) & ~1;
        if (outputStart + output.Length > FastCapacity)
            throw new ArgumentException($"{input.Length} input and {output.Length} output qwords do not fit the {FastCapacity}-qword fast block of {Architecture}.", nameof(output));
        var registers = default(HypercallRegisters);
        var block = HypercallRegisters.AsSpan(ref registers)[HypercallRegisters.FastBlock..];
        input.CopyTo(block);
        var control = new HypercallControl(ControlFor(code).Value | HypercallControl.FastBit | VariableHeader(variableHeaderSize));
        var result = repCount == 0 ? ExecuteOnce(ref registers, control) : ExecuteRep(ref registers, control, repCount);
        block.Slice(outputStart, output.Length).CopyTo(output);
        return result;
    }

    /// <summary>
    /// A rep memory call, continued until every rep completes: while reps completed is below the rep
    /// count, the call is re-issued with the rep start set to reps completed; it stops at the first
    /// failure, and retries on TIMEOUT.
    /// </summary>
    /// <param name="code">The call code.</param>
    /// <param name="repCount">The rep count, 1 to 4095.</param>
    /// <param name="inputGpa">GPA of the input header and elements.</param>
    /// <param name="outputGpa">GPA of the output elements.</param>
    /// <param name="variableHeaderSize">Variable header size in qwords.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rep count is not 1 to 4095.</exception>
    public HypercallResult Rep(HvCallCode code, int repCount, ulong inputGpa, ulong outputGpa, int variableHeaderSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repCount, HypercallControl.MaxRepCount);
        var registers = default(HypercallRegisters);
        registers[HypercallRegisters.Input] = inputGpa;
        registers[HypercallRegisters.Output] = outputGpa;
        var control = new HypercallControl(ControlFor(code).Value | VariableHeader(variableHeaderSize));
        return ExecuteRep(ref registers, control, repCount);
    }

    /// <summary>A rep memory call using this VP's input and output pages.</summary>
    /// <param name="code">The call code.</param>
    /// <param name="repCount">The rep count, 1 to 4095.</param>
    /// <param name="variableHeaderSize">Variable header size in qwords.</param>
    public HypercallResult Rep(HvCallCode code, int repCount, int variableHeaderSize = 0) =>
        Rep(code, repCount, Pages.Input.Gpa, Pages.Output.Gpa, variableHeaderSize);

    /// <summary>HvCallPostMessage: writes the 256-byte input at the start of the input page and issues it.</summary>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="messageType">The message type (non-zero, most significant bit clear; VMBus uses 1).</param>
    /// <param name="payload">At most 240 bytes.</param>
    /// <exception cref="ArgumentException">The payload exceeds 240 bytes; nothing is issued.</exception>
    /// <remarks>TLFS HvCallPostMessage (0x5C).</remarks>
    public HypercallResult PostMessage(HvConnectionId connectionId, uint messageType, ReadOnlySpan<byte> payload)
    {
        PostMessageInput.Write(Pages.InputArea(0, PostMessageInput.Size), connectionId, messageType, payload);
        return Simple(HvCallCode.PostMessage, Pages.Input.Gpa, 0);
    }

    /// <summary>HvCallSignalEvent, fast: the 8-byte input in RDX / X2.</summary>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="flagNumber">The event flag number relative to the port's base flag.</param>
    /// <remarks>TLFS HvCallSignalEvent (0x5D).</remarks>
    public HypercallResult SignalEvent(HvConnectionId connectionId, ushort flagNumber = 0) =>
        Fast8(HvCallCode.SignalEvent, new SignalEventInput(connectionId, flagNumber).Value);

    /// <summary>HvExtCallQueryCapabilities: the extended-hypercall capability mask, written to the output page.</summary>
    /// <param name="capabilities">The capability mask when the call succeeds, else 0.</param>
    /// <remarks>TLFS HvExtCallQueryCapabilities (0x8001); needs the EnableExtendedHypercalls privilege.</remarks>
    public HypercallResult QueryExtendedCapabilities(out ulong capabilities)
    {
        var output = Pages.OutputArea(0, sizeof(ulong));
        var result = Simple(HvCallCode.ExtQueryCapabilities, 0, Pages.Output.Gpa);
        capabilities = result.IsSuccess ? BinaryPrimitives.ReadUInt64LittleEndian(output) : 0;
        return result;
    }

    /// <summary>
    /// HvCallGetVpRegisters for one register of this VP: fast on ARM64 (X2–X4 in, value in X6:X7, as
    /// Linux does), through the pages on x64.
    /// </summary>
    /// <param name="name">The register name (<see cref="HvRegisterName"/>).</param>
    /// <param name="value">The 128-bit value when the call succeeds, else 0.</param>
    /// <remarks>TLFS HvCallGetVpRegisters (0x50): 16-byte header, 4-byte name elements, 16-byte value elements.</remarks>
    public HypercallResult GetVpRegister(uint name, out UInt128 value)
    {
        HypercallResult result;
        ulong low, high;
        if (Architecture == HvArchitecture.Arm64)
        {
            Span<ulong> output = stackalloc ulong[2];
            result = FastExtended(HvCallCode.GetVpRegisters, [HvRegisterName.PartitionSelf, HvRegisterName.VpIndexSelf, name], output, repCount: 1);
            (low, high) = (output[0], output[1]);
        }
        else
        {
            var input = Pages.InputArea(0, 24);
            WriteRegisterHeader(input);
            BinaryPrimitives.WriteUInt64LittleEndian(input[16..], name);
            result = Rep(HvCallCode.GetVpRegisters, 1);
            var output = Pages.OutputArea(0, 16);
            low = BinaryPrimitives.ReadUInt64LittleEndian(output);
            high = BinaryPrimitives.ReadUInt64LittleEndian(output[8..]);
        }
        value = result.IsSuccess ? new UInt128(high, low) : UInt128.Zero;
        return result;
    }

    /// <summary>
    /// HvCallSetVpRegisters for one register of this VP: fast on ARM64 (name in X4, value in X6:X7),
    /// through the input page on x64.
    /// </summary>
    /// <param name="name">The register name (<see cref="HvRegisterName"/>).</param>
    /// <param name="value">The 128-bit value.</param>
    /// <remarks>TLFS HvCallSetVpRegisters (0x51): 16-byte header, 32-byte HV_REGISTER_ASSOC elements.</remarks>
    public HypercallResult SetVpRegister(uint name, UInt128 value)
    {
        var low = (ulong)value;
        var high = (ulong)(value >> 64);
        if (Architecture == HvArchitecture.Arm64)
            return FastExtended(HvCallCode.SetVpRegisters, [HvRegisterName.PartitionSelf, HvRegisterName.VpIndexSelf, name, 0, low, high], [], repCount: 1);
        var input = Pages.InputArea(0, 48);
        WriteRegisterHeader(input);
        BinaryPrimitives.WriteUInt64LittleEndian(input[16..], name);
        BinaryPrimitives.WriteUInt64LittleEndian(input[24..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(input[32..], low);
        BinaryPrimitives.WriteUInt64LittleEndian(input[40..], high);
        return Rep(HvCallCode.SetVpRegisters, 1);
    }

    private static void WriteRegisterHeader(Span<byte> input)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(input, HvRegisterName.PartitionSelf);
        BinaryPrimitives.WriteUInt64LittleEndian(input[8..], HvRegisterName.VpIndexSelf);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private HypercallResult ExecuteOnce(ref HypercallRegisters registers, HypercallControl control)
    {
        registers[HypercallRegisters.Result] = _functionId;
        registers[HypercallRegisters.Control] = control.Value;
        _instruction.Execute(ref registers);
        return new HypercallResult(registers[HypercallRegisters.Result]);
    }

    private HypercallResult ExecuteRep(ref HypercallRegisters registers, HypercallControl control, int repCount)
    {
        var repBase = control.WithRepCount(repCount);
        var start = 0;
        var stalled = 0;
        while (true)
        {
            var result = ExecuteOnce(ref registers, repBase.WithRepStart(start));
            var completed = result.RepsCompleted;
            var progressed = completed > start;
            if (result.Status == HvStatus.Timeout)
            {
                stalled = progressed ? 0 : stalled + 1;
                if (stalled > MaxStalledRetries || completed >= repCount)
                    return result;
            }
            else if (result.Status != HvStatus.Success || completed >= repCount || !progressed)
            {
                return result;
            }
            start = completed;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong VariableHeader(int size) =>
        size == 0 ? 0 : default(HypercallControl).WithVariableHeaderSize(size).Value;
}
