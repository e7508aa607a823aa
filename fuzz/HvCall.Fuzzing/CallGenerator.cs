using System;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Processors;
using HvCall.Simulation.Scheduling;
using static System.Buffers.Binary.BinaryPrimitives;

namespace HvCall.Fuzzing;

/// <summary>
/// Generates hypercalls: every catalog code and unknown ones (random, extended 0x8001 and up, codes just past the catalog),
/// control words with random fast bit, rep count and start, variable header size, reserved and nested bits; register
/// blocks with input and output GPAs aligned, misaligned, straddling a page, outside memory or on the same page, or fast
/// blocks; structured or fully random input bytes.
/// </summary>
internal sealed class CallGenerator
{
    public const ulong Arm64FunctionId = 0x4600_0001;

    private readonly SplitMix64 _random;
    private readonly FuzzTarget _target;
    private readonly Inputs _inputs;
    private readonly HvCallCode[] _implemented;
    private readonly HvCallCode[] _unknown;

    public CallGenerator(SplitMix64 random, FuzzTarget target)
    {
        _random = random;
        _target = target;
        _inputs = new Inputs(random);
        var dispatcher = target.Machine.L0.Dispatcher;
        // The codes with a handler, the messaging ones twice: they are what the invariants are mostly about.
        var implemented = HypercallCatalog.All.Where(i => dispatcher.IsRegistered(i.Code)).Select(i => i.Code).ToList();
        implemented.AddRange(implemented.Where(c => c.Value is 0x5C or 0x5D or 0x50 or 0x51 or 0x95 or 0x96 or 0xC0 or 0xC1).ToList());
        _implemented = [.. implemented];
        var maxNormal = HypercallCatalog.All.Where(i => !i.IsExtended).Max(i => i.Code.Value);
        var maxExtended = HypercallCatalog.All.Max(i => i.Code.Value);
        // Codes just past the catalog: after the last normal and the last extended code, the end of the 64 extended codes
        // the TLFS reserves (0x8040/0x8041), the end of the 512 normal codes (0x1FF/0x200), 0x8000 and 0xFFFF.
        _unknown =
        [
            .. Enumerable.Range(1, 4).Select(d => new HvCallCode((ushort)(maxNormal + d))),
            .. Enumerable.Range(1, 4).Select(d => new HvCallCode((ushort)(maxExtended + d))),
            new(0x8040), new(0x8041), new(0x01FF), new(0x0200), new(0x8000), new(0xFFFF), new(0x0000),
        ];
    }

    public Inputs Inputs => _inputs;

    /// <summary>A random call from a random caller.</summary>
    public void Random(CallPlan plan)
    {
        var caller = _target.Callers[_random.Next(_target.Callers.Count)];
        var vp = caller.Partition.VirtualProcessors[_random.Next(caller.Partition.VirtualProcessors.Count)];
        var code = Code();
        HypercallCatalog.TryGet(code, out var info);
        var control = Control(code, info, caller);
        var (inputLength, outputLength) = Lengths(info, control);
        plan.Caller = caller;
        plan.Vp = vp;
        plan.Control = control;
        plan.Setup = false;
        plan.InputLength = inputLength;
        _inputs.Fill(code, plan.Input.AsSpan(0, inputLength), caller, control);
        plan.X0 = vp.Architecture == HvArchitecture.Arm64 && _inputs.Chance(2) ? (_inputs.Chance(50) ? Arm64FunctionId + 1 : _random.Next()) : Arm64FunctionId;
        var block = plan.Block;
        for (var i = 0; i < block.Length; i++)
            block[i] = _random.Next();
        if (control.IsFast)
        {
            plan.WriteInput = false;
            if (!_inputs.Chance(8))
            {
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(block.AsSpan());
                plan.Input.AsSpan(0, Math.Min(inputLength, bytes.Length)).CopyTo(bytes);
            }
            return;
        }
        var input = caller.InputPage(vp.Index);
        var output = caller.OutputPage(vp.Index);
        plan.InputGpa = Place(input, inputLength, caller);
        plan.OutputGpa = outputLength is > 0 and <= TrackedMemory.PageSize && _inputs.Chance(15)
            ? output + (ulong)((TrackedMemory.PageSize - outputLength) & ~7)
            : Place(output, outputLength, caller);
        switch (_random.Next(50))
        {
            case 0: plan.OutputGpa = plan.InputGpa; break;
            case 1: plan.InputGpa = plan.OutputGpa; break;
            case 2: plan.OutputGpa = plan.InputGpa + (ulong)(8 * _random.Next(8)); break;
        }
        plan.WriteInput = inputLength > 0 && caller.Memory.Contains(plan.InputGpa, inputLength);
        block[0] = plan.InputGpa;
        block[1] = plan.OutputGpa;
    }

    private HvCallCode Code()
    {
        var r = _random.Next(100);
        if (r < 60)
            return _inputs.Pick(_implemented);
        if (r < 85)
            return HypercallCatalog.All[_random.Next(HypercallCatalog.All.Length)].Code;
        return _random.Next(5) switch
        {
            0 => new((ushort)_random.Next()),
            1 => new((ushort)(HvCallCode.FirstExtended + _random.Next(0x50))),
            2 => new((ushort)(0x100 + _random.Next(0x100))),
            3 => new((ushort)(0x200 + _random.Next(0x7E00))),
            _ => _inputs.Pick(_unknown),
        };
    }

    private HypercallControl Control(HvCallCode code, HypercallInfo? info, Caller caller)
    {
        var c = HypercallControl.For(code);
        if (info is { FastCapable: true } ? _inputs.Chance(55) : _inputs.Chance(6))
            c = c.WithFast();
        int count = 0, start = 0;
        if (info is { IsRep: true })
        {
            if (_inputs.Chance(90))
                count = _random.Next(10) switch { < 6 => 1 + _random.Next(4), < 9 => 1 + _random.Next(40), _ => 1 + _random.Next(HypercallControl.MaxRepCount) };
            start = _random.Next(10) switch { < 8 => 0, 8 when count > 1 => _random.Next(count), _ => _random.Next(HypercallControl.MaxRepCount + 1) };
        }
        else
        {
            count = _inputs.Chance(96) ? 0 : 1 + _random.Next(HypercallControl.MaxRepCount);
            start = _inputs.Chance(97) ? 0 : _random.Next(HypercallControl.MaxRepCount + 1);
        }
        c = c.WithRepCount(count).WithRepStart(start);
        var header = info is { IsVariable: true } ? _random.Next(5) : _inputs.Chance(96) ? 0 : 1 + _random.Next(HypercallControl.MaxVariableHeaderSize);
        c = c.WithVariableHeaderSize(header);
        if (_inputs.Chance(4))
            c = c.WithReservedBits(_random.Next() & ~HypercallControl.NestedBit);
        var nested = caller.IsNestedRoot ? (info is { NestedWhenNestedRoot: true } ? _inputs.Chance(70) : _inputs.Chance(8)) : _inputs.Chance(3);
        return c.WithNested(nested);
    }

    /// <summary>Input bytes (fixed and variable header, every rep element) and output bytes, as the dispatcher sizes them;
    /// for a code without sizes, a random input length and no output.</summary>
    public (int Input, int Output) Lengths(HypercallInfo? info, HypercallControl control)
    {
        if (info is { SizesKnown: true })
        {
            return (info.InputSize!.Value + control.VariableHeaderSize * 8 + info.InputElementSize * control.RepCount,
                info.OutputSize!.Value + info.OutputElementSize * control.RepCount);
        }
        return (_inputs.Chance(30) ? 0 : _random.Next(257), 0);
    }

    private ulong Place(ulong page, int length, Caller caller)
    {
        var size = caller.Memory.Memory.Size;
        var r = _random.Next(100);
        if (r < 70)
            return _inputs.Chance(80) || length >= TrackedMemory.PageSize ? page : page + (ulong)(_random.Next((TrackedMemory.PageSize - length) / 8 + 1) * 8);
        if (r < 77)
            return page + (ulong)(_random.Next(512) * 8 + 1 + _random.Next(7));
        if (r < 83)
            return page + (ulong)(TrackedMemory.PageSize - Math.Max(8, (length / 2) & ~7));
        if (r < 89)
        {
            ulong[] outside = [size - 8, size - TrackedMemory.PageSize + 8, size, size + TrackedMemory.PageSize, 1UL << 32, 1UL << 47, ~7UL, ~0UL];
            return _inputs.Pick(outside);
        }
        if (r < 95)
            return (ulong)_random.Next(caller.Memory.Pages) * TrackedMemory.PageSize + (ulong)(_random.Next(8) * 8);
        return r < 98 ? 0 : _random.Next();
    }

    /// <summary>
    /// ARM64 SynIC enablement through HvCallSetVpRegisters (the only way there), as guest code does it: SIMP, SIEFP, the
    /// 16 SINTs (unmasked, vector 0x20 + n, a few masked), SCONTROL: 19 reps, so the call is also continued once.
    /// </summary>
    public void EnableSynicArm64(CallPlan plan, Caller caller, VirtualProcessor vp)
    {
        var names = new List<(uint Name, ulong Value)>
        {
            (HvRegisterName.Simp, caller.MessagePage(vp.Index) | 1),
            (HvRegisterName.Siefp, caller.EventFlagsPage(vp.Index) | 1),
        };
        for (var sint = 0u; sint < 16; sint++)
            names.Add((HvRegisterName.Sint0 + sint, SetupSint(sint)));
        names.Add((HvRegisterName.Scontrol, 1));
        var input = plan.Input.AsSpan(0, 16 + 32 * names.Count);
        input.Clear();
        WriteUInt64LittleEndian(input, HvRegisterName.PartitionSelf);
        WriteUInt32LittleEndian(input[8..], HvRegisterName.VpIndexSelf);
        for (var i = 0; i < names.Count; i++)
        {
            WriteUInt32LittleEndian(input[(16 + 32 * i)..], names[i].Name);
            WriteUInt64LittleEndian(input[(16 + 32 * i + 16)..], names[i].Value);
        }
        Memory(plan, caller, vp, HypercallControl.For(HvCallCode.SetVpRegisters).WithRepCount(names.Count), input.Length);
    }

    /// <summary>The SINT value the setup writes: unmasked with vector 0x20 + n, except SINT 15 (masked) and one in eight at random.</summary>
    public ulong SetupSint(uint sint) => sint == 15 || _inputs.Chance(12) ? SintRegister.MaskedBit | (0x20 + sint) : 0x20 + sint;

    /// <summary>A root's HvCallCreatePort: a message or event port of <paramref name="portPartition"/> on one of its VPs.</summary>
    public void CreatePort(CallPlan plan, Caller root, ulong portPartition, uint portId, bool message, uint targetVp, uint sint, ushort baseFlag)
    {
        var input = plan.Input.AsSpan(0, 56);
        input.Clear();
        WriteUInt64LittleEndian(input, portPartition);
        WriteUInt32LittleEndian(input[8..], portId);
        WriteUInt64LittleEndian(input[16..], portPartition);
        WriteUInt32LittleEndian(input[24..], message ? 1u : 2u);
        WriteUInt32LittleEndian(input[32..], sint);
        WriteUInt32LittleEndian(input[36..], targetVp);
        WriteUInt16LittleEndian(input[40..], baseFlag);
        WriteUInt16LittleEndian(input[42..], message ? (ushort)0 : (ushort)8);
        Memory(plan, root, root.Partition.VirtualProcessors[0], HypercallControl.For(HvCallCode.CreatePort), 56);
    }

    /// <summary>A root's HvCallConnectPort: <paramref name="connectionPartition"/> reaches a port under a connection id.</summary>
    public void ConnectPort(CallPlan plan, Caller root, ulong connectionPartition, uint connectionId, ulong portPartition, uint portId, bool message)
    {
        var input = plan.Input.AsSpan(0, 72);
        input.Clear();
        WriteUInt64LittleEndian(input, connectionPartition);
        WriteUInt32LittleEndian(input[8..], connectionId);
        WriteUInt64LittleEndian(input[16..], portPartition);
        WriteUInt32LittleEndian(input[24..], portId);
        WriteUInt32LittleEndian(input[32..], message ? 1u : 2u);
        Memory(plan, root, root.Partition.VirtualProcessors[0], HypercallControl.For(HvCallCode.ConnectPort), 72);
    }

    private void Memory(CallPlan plan, Caller caller, VirtualProcessor vp, HypercallControl control, int inputLength)
    {
        plan.Caller = caller;
        plan.Vp = vp;
        plan.Control = control;
        plan.Setup = true;
        plan.InputLength = inputLength;
        plan.InputGpa = caller.InputPage(vp.Index);
        plan.OutputGpa = caller.OutputPage(vp.Index);
        plan.WriteInput = true;
        plan.X0 = Arm64FunctionId;
        for (var i = 0; i < plan.Block.Length; i++)
            plan.Block[i] = _random.Next();
        plan.Block[0] = plan.InputGpa;
        plan.Block[1] = plan.OutputGpa;
    }
}
