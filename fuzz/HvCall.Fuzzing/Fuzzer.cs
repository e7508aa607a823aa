using System;
using System.Collections.Generic;
using System.Diagnostics;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Processors;
using HvCall.Simulation.Scheduling;
using static System.Buffers.Binary.BinaryPrimitives;

namespace HvCall.Fuzzing;

/// <summary>
/// The dispatcher fuzzer: seeded generated hypercalls, MSR writes and guest-side actions against simulated machines, with
/// the invariants checked after every operation (see docs/fuzzing.md).
/// </summary>
/// <remarks>
/// The fuzzer is the processor: it loads a VP's registers, executes the trap (<c>HvHypervisor.ExecuteHypercall</c>) and
/// re-executes a continued rep call, as <c>SimulatedProcessor</c> does for guest code. A #UD (no guest OS id) is an exit of
/// kind Fault there, a value; <c>SimulatedProcessor</c> turns it into <c>HvGuestException</c> for guest code. The fuzzer
/// requires the fault exactly when the guest OS id is 0 (except ARM64's register calls, which set it) and no other
/// change; every exception out of the hypervisor is a finding.
/// </remarks>
public static class Fuzzer
{
    /// <summary>Runs every configuration of <paramref name="options"/>, the calls split evenly among them.</summary>
    /// <param name="options">Calls, seed, configurations.</param>
    /// <param name="progress">Called after each configuration, or null.</param>
    public static FuzzReport Run(FuzzOptions options, Action<ConfigurationReport>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reports = new List<ConfigurationReport>();
        var count = options.Configurations.Count;
        for (var i = 0; i < count; i++)
        {
            var calls = options.Calls / count + (i < options.Calls % count ? 1 : 0);
            var report = RunConfiguration(options, options.Configurations[i], calls, ConfigurationSeed(options.Seed, i));
            reports.Add(report);
            progress?.Invoke(report);
        }
        return new FuzzReport(options, reports);
    }

    /// <summary>The seed of configuration <paramref name="index"/> of a run seeded with <paramref name="seed"/>.</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="index">The configuration's index.</param>
    public static ulong ConfigurationSeed(ulong seed, int index) => new SplitMix64(seed ^ (0x9E37_79B9_7F4A_7C15UL * (ulong)(index + 1))).Next();

    /// <summary>Runs one configuration for <paramref name="calls"/> hypercalls from <paramref name="seed"/>.</summary>
    /// <param name="options">Sweep size, setup interval, sabotage.</param>
    /// <param name="configuration">The machine.</param>
    /// <param name="calls">Hypercalls to issue.</param>
    /// <param name="seed">The generator's seed.</param>
    public static ConfigurationReport RunConfiguration(FuzzOptions options, FuzzConfiguration configuration, long calls, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        var report = new ConfigurationReport(configuration, seed);
        var stopwatch = Stopwatch.StartNew();
        new Session(options, configuration, seed, report).Run(calls);
        report.Seconds = stopwatch.Elapsed.TotalSeconds;
        return report;
    }

    private sealed class Session
    {
        private const int MaxExecutions = HypercallControl.MaxRepCount + 8;

        private readonly FuzzOptions _options;
        private readonly ConfigurationReport _report;
        private readonly SplitMix64 _random;
        private readonly FuzzTarget _target;
        private readonly CallGenerator _generator;
        private readonly InvariantChecker _checker;
        private readonly CallPlan _plan = new();
        private readonly ulong[] _after = new ulong[16];
        private readonly byte[] _message = new byte[256];
        private readonly Dictionary<Hypervisor.Partitions.Partition, Caller> _callerOf = [];
        private long _op;

        public Session(FuzzOptions options, FuzzConfiguration configuration, ulong seed, ConfigurationReport report)
        {
            _options = options;
            _report = report;
            _random = new SplitMix64(seed);
            _target = new FuzzTarget(configuration, _random, options.Sabotage);
            _generator = new CallGenerator(_random, _target);
            _checker = new InvariantChecker(_target, report, options.SweepPagesPerOperation);
            foreach (var caller in _target.Callers)
                _callerOf[caller.Partition] = caller;
        }

        private Inputs R => _generator.Inputs;

        public void Run(long calls)
        {
            var sinceSetup = long.MaxValue;
            while (_report.Calls < calls)
            {
                if (sinceSetup >= _options.SetupInterval)
                {
                    Setup();
                    sinceSetup = 0;
                    continue;
                }
                sinceSetup++;
                RestoreGuestOsIds();
                var r = _random.Next(100);
                if (r < 88)
                {
                    _generator.Random(_plan);
                    Execute(_plan);
                }
                else if (r < 93)
                {
                    RandomMsr();
                }
                else if (r < 97)
                {
                    FreeSlot();
                }
                else if (r < 98)
                {
                    ClearFlags();
                }
                else if (r < 99)
                {
                    DrainHostPorts();
                }
                else
                {
                    var caller = R.Pick(_target.Callers.ToArray());
                    caller.Partition.GuestOsId = 0; // the guest un-identifies itself: the next calls must #UD
                    _report.OtherOperations++;
                }
            }
            var info = new OperationInfo { Caller = "end", Control = 0 };
            _checker.Begin(++_op);
            _checker.FullCheck(info);
        }

        // A partition without a guest OS id identifies itself again, sooner or later.
        private void RestoreGuestOsIds()
        {
            foreach (var caller in _target.Callers)
            {
                if (caller.Partition.GuestOsId == 0 && R.Chance(25))
                {
                    caller.Partition.GuestOsId = FuzzTarget.LinuxGuestOsId;
                    _report.OtherOperations++;
                }
            }
        }

        // Plausible setup, as guest and root code do it: zeroed SynIC pages enabled on every VP (x64 MSRs, ARM64
        // HvCallSetVpRegisters), then every root creates message and event ports in its hypervisor's partitions and
        // connects them, so that PostMessage and SignalEvent reach their deeper checks.
        private void Setup()
        {
            var zero = new byte[TrackedMemory.PageSize];
            foreach (var caller in _target.Callers)
            {
                caller.Partition.GuestOsId = FuzzTarget.LinuxGuestOsId;
                foreach (var vp in caller.Partition.VirtualProcessors)
                {
                    caller.Memory.Write(caller.MessagePage(vp.Index), zero);
                    caller.Memory.Write(caller.EventFlagsPage(vp.Index), zero);
                    if (vp.Architecture == HvArchitecture.Arm64)
                    {
                        _generator.EnableSynicArm64(_plan, caller, vp);
                        Execute(_plan);
                        continue;
                    }
                    Msr(caller, vp, HvX64Msr.Simp, caller.MessagePage(vp.Index) | 1, write: true);
                    Msr(caller, vp, HvX64Msr.Siefp, caller.EventFlagsPage(vp.Index) | 1, write: true);
                    for (var sint = 0u; sint < 16; sint++)
                        Msr(caller, vp, HvX64Msr.Sint0 + sint, _generator.SetupSint(sint), write: true);
                    Msr(caller, vp, HvX64Msr.Scontrol, 1, write: true);
                }
            }
            foreach (var root in _target.Callers)
            {
                if (!root.IsRoot)
                    continue;
                var partitions = root.Hypervisor.Partitions;
                foreach (var partition in partitions)
                {
                    var vpCount = (uint)partition.VirtualProcessors.Count;
                    for (var k = 0; k < 4; k++)
                    {
                        var sint = k < 2 ? 2u : (uint)_random.Next(15);
                        _generator.CreatePort(_plan, root, partition.Id, FuzzTarget.MessagePortIds[k], message: true, (uint)k % vpCount, sint, 0);
                        Execute(_plan);
                        _generator.CreatePort(_plan, root, partition.Id, FuzzTarget.EventPortIds[k], message: false, (uint)k % vpCount, k < 2 ? 2u : 3u, (ushort)(8 * k));
                        Execute(_plan);
                    }
                }
                foreach (var partition in partitions)
                {
                    for (var k = 0; k < FuzzTarget.ConnectionIds.Length; k++)
                    {
                        var portOwner = R.Chance(50) ? partition : partitions[_random.Next(partitions.Count)];
                        var message = k < 4;
                        var portId = message ? FuzzTarget.MessagePortIds[k % 4] : FuzzTarget.EventPortIds[k % 4];
                        _generator.ConnectPort(_plan, root, partition.Id, FuzzTarget.ConnectionIds[k], portOwner.Id, portId, message);
                        Execute(_plan);
                    }
                }
            }
        }

        private void Execute(CallPlan plan)
        {
            var caller = plan.Caller;
            var vp = plan.Vp;
            var memory = caller.Memory;
            var control = plan.Control;
            HypercallCatalog.TryGet(control.Code, out var info);
            if (plan.WriteInput)
                memory.Write(plan.InputGpa, plan.Input.AsSpan(0, plan.InputLength));

            var x64 = vp.Architecture == HvArchitecture.X64;
            var capacity = x64 ? X64RegisterFile.FastQwords : 16;
            ulong ipBefore;
            if (x64)
            {
                vp.X64.Rcx = control.Value;
                vp.X64.Rax = _random.Next();
                for (var i = 0; i < capacity; i++)
                    vp.X64.FastQword(i) = plan.Block[i];
                ipBefore = vp.X64.Rip;
            }
            else
            {
                vp.Arm64.X[0] = plan.X0;
                vp.Arm64.X[1] = control.Value;
                for (var i = 0; i < capacity; i++)
                    vp.Arm64.X[2 + i] = plan.Block[i];
                ipBefore = vp.Arm64.Pc;
            }
            var operation = new OperationInfo
            {
                Caller = caller.Name,
                Control = control.Value,
                Memory = memory,
                PagesOf = caller,
                PagesVp = vp.Index,
            };
            if (!control.IsFast)
            {
                operation.InputGpa = plan.InputGpa;
                operation.InputLength = plan.InputLength;
            }

            _checker.Begin(++_op);
            if (control.Code == HvCallCode.SetVpRegisters)
                NoteSynicPages(plan, memory);
            var hv = vp.Partition.Hypervisor;
            HypercallExit exit = default;
            var executions = 0;
            // The guest OS id as each execution found it: a rep list may clear it (HvRegisterGuestOsId = 0), and the
            // continuation then executes without one.
            var osId = 0UL;
            try
            {
                do
                {
                    osId = vp.Partition.GuestOsId;
                    exit = hv.ExecuteHypercall(vp);
                    executions++;
                }
                while (exit.Kind == HypercallExitKind.Continue && executions < MaxExecutions);
            }
            catch (Exception e)
            {
                _report.Executions += executions;
                Thrown(operation, e);
                _report.Count(control.Code.Value, Outcome.Exception, caller.Name);
                return;
            }
            _report.Executions += executions;

            int outcome;
            var controlAfter = new HypercallControl(x64 ? vp.X64.Rcx : vp.Arm64.X[1]);
            if (!x64 && plan.X0 != CallGenerator.Arm64FunctionId)
            {
                outcome = Outcome.SmcccNotSupported;
                if (exit.Kind != HypercallExitKind.Completed || vp.Arm64.X[0] != ulong.MaxValue)
                    _checker.Report(FindingKind.UnexpectedFault, operation, $"SMCCC function 0x{plan.X0:X} answered {exit.Kind} X0=0x{vp.Arm64.X[0]:X}, not NOT_SUPPORTED");
                CheckRegisters(plan, operation, capacity, 0, 0, ipBefore + 4, control.Value);
            }
            else if (osId == 0 && !(vp.Architecture == HvArchitecture.Arm64 && control.Code.Value is 0x50 or 0x51))
            {
                outcome = Outcome.InvalidOpcode;
                if (exit.Kind != HypercallExitKind.Fault || vp.LastFault != VpFault.InvalidOpcode)
                    _checker.Report(FindingKind.UnexpectedFault, operation, $"no guest OS id, but the call ended {exit.Kind} ({vp.LastFault}), not #UD");
                // Reps completed by executions before the fault (the continuations' rep start) keep their output.
                var done = executions > 1 ? controlAfter.RepStart : control.RepStart;
                var (lo, hi) = Earned(info, control, done, success: false, ref operation, plan);
                CheckRegisters(plan, operation, capacity, lo, hi, ipBefore, control.Value);
            }
            else if (exit.Kind != HypercallExitKind.Completed)
            {
                outcome = exit.Kind == HypercallExitKind.Fault ? Outcome.InvalidOpcode : Outcome.NoProgress;
                _checker.Report(exit.Kind == HypercallExitKind.Fault ? FindingKind.UnexpectedFault : FindingKind.NoProgress, operation,
                    exit.Kind == HypercallExitKind.Fault ? $"#{vp.LastFault} with the guest OS id set" : $"still continuing after {executions} executions");
            }
            else
            {
                var result = new HypercallResult(x64 ? vp.X64.Rax : vp.Arm64.X[0]);
                var status = result.Status;
                operation.Status = status;
                outcome = (int)status;
                CheckResult(operation, info, control, result);
                var (lo, hi) = Earned(info, control, result.RepsCompleted, status == HvStatus.Success, ref operation, plan);
                CheckRegisters(plan, operation, capacity, lo, hi, ipBefore + (x64 ? 3UL : 4UL), control.Value);
                operation.MayDeliver = control.Code.Value == 0x51 || (status == HvStatus.Success && control.Code.Value is 0x5C or 0xC1);
                operation.MaySetFlag = status == HvStatus.Success && control.Code.Value is 0x5D or 0xC0;
                if (status == HvStatus.Success)
                {
                    (operation.PortDelta, operation.ConnectionDelta) = control.Code.Value switch
                    {
                        0x95 => (1, 0),
                        0x58 => (-1, 0),
                        0x96 => (0, 1),
                        0x5B => (0, -1),
                        _ => (0, 0),
                    };
                }
            }
            if (exit.Kind == HypercallExitKind.Fault && executions > 1 && control.Code.Value == 0x51)
                operation.MayDeliver = true;
            _checker.End(operation);
            _report.Count(control.Code.Value, outcome, caller.Name);
        }

        // HvCallSetVpRegisters may move SIMP or SIEFP and deliver into the page in between: every page its list names is
        // a SynIC page for this operation.
        private void NoteSynicPages(CallPlan plan, TrackedMemory memory)
        {
            var control = plan.Control;
            ReadOnlySpan<byte> input = control.IsFast
                ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(plan.Block.AsSpan())
                : plan.Input.AsSpan(0, plan.InputLength);
            for (var offset = 16 + control.VariableHeaderSize * 8; offset + 32 <= input.Length; offset += 32)
            {
                var name = ReadUInt32LittleEndian(input[offset..]);
                if (name is HvRegisterName.Simp or HvRegisterName.Siefp)
                    _checker.AddOverlay(memory, ReadUInt64LittleEndian(input[(offset + 16)..]), name == HvRegisterName.Simp ? (byte)1 : (byte)2);
            }
        }

        private void CheckResult(in OperationInfo operation, HypercallInfo? info, HypercallControl control, HypercallResult result)
        {
            if (!HvStatusNames.IsDefined(result.Status))
                _checker.Report(FindingKind.InvalidResult, operation, $"status 0x{(ushort)result.Status:X4} is not one the TLFS defines");
            if (result.ReservedBits != 0)
                _checker.Report(FindingKind.InvalidResult, operation, $"result 0x{result.Value:X16} has reserved bits set");
            if (info is { IsRep: true })
            {
                if (result.RepsCompleted > control.RepCount)
                    _checker.Report(FindingKind.InvalidResult, operation, $"{result.RepsCompleted} reps completed of {control.RepCount}");
                if (result.IsSuccess && result.RepsCompleted != control.RepCount)
                    _checker.Report(FindingKind.InvalidResult, operation, $"SUCCESS with {result.RepsCompleted} of {control.RepCount} reps completed");
            }
            else if (result.RepsCompleted != 0)
            {
                _checker.Report(FindingKind.InvalidResult, operation, $"a simple call reports {result.RepsCompleted} reps completed");
            }
        }

        // What the call may write: a simple call's output on success, a rep call's elements [rep start, completed); in
        // memory for a memory call (set in the operation), in registers for a fast one (returned as qwords [lo, hi)).
        private static (int Lo, int Hi) Earned(HypercallInfo? info, HypercallControl control, int repsCompleted, bool success,
            ref OperationInfo operation, CallPlan plan)
        {
            if (info is not { SizesKnown: true })
                return (0, 0);
            var inputLength = info.InputSize!.Value + control.VariableHeaderSize * 8 + info.InputElementSize * control.RepCount;
            int from, to;
            if (info.IsRep)
            {
                from = control.RepStart * info.OutputElementSize;
                to = Math.Max(from, repsCompleted * info.OutputElementSize);
            }
            else
            {
                from = 0;
                to = success ? info.OutputSize!.Value : 0;
            }
            if (!control.IsFast)
            {
                operation.DeclaredGpa = plan.OutputGpa;
                operation.DeclaredLength = info.OutputSize!.Value + info.OutputElementSize * control.RepCount;
                operation.AllowedGpa = plan.OutputGpa + (ulong)from;
                operation.AllowedLength = to - from;
                return (0, 0);
            }
            var outputStart = ((inputLength + 15) & ~15) / 8;
            return to > from ? (outputStart + from / 8, outputStart + (to + 7) / 8) : (0, 0);
        }

        private void CheckRegisters(CallPlan plan, in OperationInfo operation, int capacity, int lo, int hi, ulong ip, ulong control)
        {
            var vp = plan.Vp;
            ulong controlAfter, ipAfter;
            if (vp.Architecture == HvArchitecture.X64)
            {
                vp.X64.ReadFastBlock(_after);
                controlAfter = vp.X64.Rcx;
                ipAfter = vp.X64.Rip;
            }
            else
            {
                for (var i = 0; i < capacity; i++)
                    _after[i] = vp.Arm64.X[2 + i];
                controlAfter = vp.Arm64.X[1];
                ipAfter = vp.Arm64.Pc;
            }
            for (var i = 0; i < capacity; i++)
            {
                if ((i < lo || i >= hi) && _after[i] != plan.Block[i])
                {
                    _checker.Report(FindingKind.Registers, operation, $"parameter qword {i} changed (fast output may use qwords {lo} to {hi - 1})");
                    break;
                }
            }
            if (((controlAfter ^ control) & ~HypercallControl.RepStartMask) != 0)
                _checker.Report(FindingKind.Registers, operation, $"control register 0x{controlAfter:X16} differs beyond the rep start");
            if (ipAfter != ip)
                _checker.Report(FindingKind.Registers, operation, $"instruction pointer at +{(long)(ipAfter - ip)} from where it belongs");
        }

        private void Thrown(in OperationInfo operation, Exception e)
        {
            var message = e.Message.Split('\n')[0];
            _checker.Report(FindingKind.Exception, operation, $"{e.GetType().Name}: {message}");
            // The hypervisor's state after an exception is whatever it is: accept it, so one bug is one finding.
            foreach (var memory in _target.Memories)
                memory.AcceptAll();
        }

        private void RandomMsr()
        {
            var callers = _target.Callers.FindAll(c => c.Partition.Architecture == HvArchitecture.X64);
            if (callers.Count == 0)
                return;
            var caller = callers[_random.Next(callers.Count)];
            var vp = caller.Partition.VirtualProcessors[_random.Next(caller.Partition.VirtualProcessors.Count)];
            // The nested SynIC MSRs reach the L1 VM's VP of the same index on L0: its pages are the L1 VM's.
            var nested = R.Chance(caller.IsNestedRoot ? 40 : 5);
            var owner = nested && _target.Machine.L1Vm is { } l1vm ? _callerOf[l1vm] : caller;
            uint msr;
            ulong value;
            switch (_random.Next(12))
            {
                case < 5:
                    var sint = (uint)_random.Next(16);
                    msr = HvX64Msr.Sint0 + sint;
                    value = R.SintValue();
                    break;
                case 5:
                    msr = HvX64Msr.Simp;
                    value = R.RegisterValue(HvRegisterName.Simp, owner, owner.Partition.VirtualProcessors.Count);
                    break;
                case 6:
                    msr = HvX64Msr.Siefp;
                    value = R.RegisterValue(HvRegisterName.Siefp, owner, owner.Partition.VirtualProcessors.Count);
                    break;
                case 7:
                    msr = HvX64Msr.Scontrol;
                    value = R.RegisterValue(HvRegisterName.Scontrol, owner, 1);
                    break;
                case 8:
                    msr = HvX64Msr.Eom;
                    value = 0;
                    break;
                case 9:
                    msr = R.Pick(new[] { HvX64Msr.GuestOsId, HvX64Msr.Hypercall, HvX64Msr.VpIndex, HvX64Msr.Sversion, HvX64Msr.Sirbp, HvX64Msr.NestedVpIndex });
                    value = msr == HvX64Msr.GuestOsId ? R.RegisterValue(HvRegisterName.GuestOsId, owner, 1) : R.Chance(50) ? (ulong)_random.Next(1024) << 12 | 1 : _random.Next();
                    break;
                default:
                    msr = R.Chance(50) ? 0x4000_0000u + (uint)_random.Next(0x2000) : (uint)_random.Next();
                    value = _random.Next();
                    break;
            }
            if (nested && msr is >= HvX64Msr.Scontrol and <= HvX64Msr.Eom or >= HvX64Msr.Sint0 and <= HvX64Msr.Sint15)
                msr += HvX64Msr.NestedOffset;
            Msr(caller, vp, msr, value, write: R.Chance(75));
        }

        private void Msr(Caller caller, VirtualProcessor vp, uint msr, ulong value, bool write)
        {
            var operation = new OperationInfo
            {
                Caller = caller.Name,
                Control = 0,
                PagesOf = caller,
                PagesVp = vp.Index,
                MayDeliver = write,
            };
            _checker.Begin(++_op);
            var hv = vp.Partition.Hypervisor;
            try
            {
                var fault = write ? hv.WriteMsr(vp, msr, value) : hv.ReadMsr(vp, msr, out _);
                if (fault is not (VpFault.None or VpFault.GeneralProtection))
                    _checker.Report(FindingKind.UnexpectedFault, operation, $"{(write ? "WRMSR" : "RDMSR")} 0x{msr:X} raised {fault}");
            }
            catch (Exception e)
            {
                Thrown(operation, e);
            }
            _checker.End(operation);
            _report.MsrOperations++;
        }

        // The guest takes a message out of a slot: type to 0, then EOM when MessagePending was set (or now and then anyway).
        private void FreeSlot()
        {
            var caller = _target.Callers[_random.Next(_target.Callers.Count)];
            var vp = caller.Partition.VirtualProcessors[_random.Next(caller.Partition.VirtualProcessors.Count)];
            _report.OtherOperations++;
            var page = vp.Synic.MessagePage;
            var start = _random.Next(16);
            for (var n = 0; n < 16; n++)
            {
                var slot = page.Gpa + (ulong)((start + n) % 16 * 256);
                if (!caller.Memory.Contains(slot, 256))
                    return;
                caller.Memory.Memory.TryRead(slot, _message.AsSpan(0, 8));
                if (ReadUInt32LittleEndian(_message) == 0)
                    continue;
                var pending = (_message[5] & 1) != 0;
                caller.Memory.Write(slot, stackalloc byte[4]);
                if (pending || R.Chance(30))
                    Eom(caller, vp);
                return;
            }
            if (R.Chance(20))
                Eom(caller, vp);
        }

        private void Eom(Caller caller, VirtualProcessor vp)
        {
            if (vp.Architecture == HvArchitecture.X64)
            {
                Msr(caller, vp, HvX64Msr.Eom, 0, write: true);
                return;
            }
            var operation = new OperationInfo { Caller = caller.Name, PagesOf = caller, PagesVp = vp.Index, MayDeliver = true };
            _checker.Begin(++_op);
            try
            {
                vp.Synic.TryWrite(SynicRegister.Eom, 0); // what HvCallSetVpRegisters(HvRegisterEom) does
            }
            catch (Exception e)
            {
                Thrown(operation, e);
            }
            _checker.End(operation);
        }

        private void ClearFlags()
        {
            var caller = _target.Callers[_random.Next(_target.Callers.Count)];
            var vp = caller.Partition.VirtualProcessors[_random.Next(caller.Partition.VirtualProcessors.Count)];
            var gpa = vp.Synic.EventFlagsPage.Gpa + (ulong)(_random.Next(16) * 256);
            if (caller.Memory.Contains(gpa, 256))
                caller.Memory.Write(gpa, stackalloc byte[256]);
            _report.OtherOperations++;
        }

        private void DrainHostPorts()
        {
            var operation = new OperationInfo { Caller = "host-code" };
            _checker.Begin(++_op);
            foreach (var port in _target.HostPorts)
            {
                while (R.Chance(70) && port.TryReceive(_message))
                {
                }
            }
            _checker.End(operation);
            _report.OtherOperations++;
        }
    }
}
