using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Hypervisor.Memory;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Profiles;

namespace HvCall.Hypervisor.Dispatch;

public sealed partial class HypercallDispatcher
{
    /// <summary>
    /// Makes the checks of the call's plan in order; the first that fails gives the status. A hand-off to the VMM
    /// continues with the VMM's plan for the code, from its first check, and the handler then follows the VMM's rules.
    /// </summary>
    /// <remarks>host-implementations.md §1.9 (statuses per host), §4.2 (KVM's order), §4.5 (hand-off), §7 (OpenVMM's order).</remarks>
    // The success path of a clean control word: whether every check of the plan's clean set passes. The checks are the
    // same as RunChecks's, evaluated without the ordered loop; the order only decides which failure is reported, so any
    // failure (or a hand-off to the VMM) goes back to RunChecks for the status.
    private static bool CleanChecksPass(VirtualProcessor caller, ref HypercallFrame frame, HypercallInfo? info, HypercallHandler? handler, CodePlan plan)
    {
        var set = plan.CleanSet;
        if ((set & (1u << (int)HostCheck.HandToVmm)) != 0)
            return false;
        if ((set & (1u << (int)HostCheck.KnownCode)) != 0 && !plan.Implemented)
            return false;
        if ((set & (1u << (int)HostCheck.Simulated)) != 0 && (info is null || handler is null))
            return false;
        if ((set & (1u << (int)HostCheck.Privilege)) != 0 && plan.Owner.EnforcesPrivileges && CheckPrivilege(caller, info, plan) != HvStatus.Success)
            return false;
        if ((set & (1u << (int)HostCheck.FastSize)) != 0 && frame.Control.IsFast && CheckFastSize(ref frame, info, handler, plan) != HvStatus.Success)
            return false;
        if ((set & (1u << (int)HostCheck.Memory)) != 0 && !frame.Control.IsFast && CheckMemory(caller.Partition.Memory, ref frame, info, handler, plan) != HvStatus.Success)
            return false;
        const uint others = (1u << (int)HostCheck.NestedBit) | (1u << (int)HostCheck.ReservedBits) | (1u << (int)HostCheck.RepFields) |
            (1u << (int)HostCheck.VariableHeader) | (1u << (int)HostCheck.FastForm);
        return (set & others) == 0;
    }

    private static HvStatus RunChecks(VirtualProcessor caller, ref HypercallFrame frame, HypercallInfo? info, HypercallHandler? handler,
        HypercallOrigin origin, ref CodePlan plan)
    {
        var control = frame.Control;
        var checks = (control.Value & plan.CleanMask) == 0 ? plan.CleanChecks : plan.Checks;
        for (var i = 0; i < checks.Length; i++)
        {
            var check = checks[i];
            if (check == HostCheck.HandToVmm)
            {
                if (plan.Owner.Vmm is not { } vmm)
                    return plan.UnknownCode;
                plan = vmm.For(control.Code);
                checks = (control.Value & plan.CleanMask) == 0 ? plan.CleanChecks : plan.Checks;
                i = -1;
                continue;
            }
            var status = check switch
            {
                HostCheck.NestedBit => origin == HypercallOrigin.Caller && control.IsNested ? plan.InvalidControl : HvStatus.Success,
                HostCheck.KnownCode => plan.Implemented ? HvStatus.Success : plan.UnknownCode,
                HostCheck.Privilege => plan.Owner.EnforcesPrivileges ? CheckPrivilege(caller, info, plan) : HvStatus.Success,
                HostCheck.Simulated => info is not null && handler is not null ? HvStatus.Success : plan.UnknownCode,
                HostCheck.ReservedBits => (control.Value & plan.Owner.ReservedMask) != 0 ? plan.InvalidControl : HvStatus.Success,
                HostCheck.RepFields => info is null ? plan.UnknownCode : RepFieldsValid(control, info, plan) ? HvStatus.Success : plan.InvalidControl,
                HostCheck.VariableHeader => info is null ? plan.UnknownCode
                    : !info.IsVariable && control.VariableHeaderSize != 0 ? plan.InvalidControl : HvStatus.Success,
                HostCheck.FastForm => info is null ? plan.UnknownCode
                    : control.IsFast && !info.FastCapable ? plan.FastStatus : HvStatus.Success,
                HostCheck.FastSize => control.IsFast ? CheckFastSize(ref frame, info, handler, plan) : HvStatus.Success,
                HostCheck.Memory => control.IsFast ? HvStatus.Success : CheckMemory(caller.Partition.Memory, ref frame, info, handler, plan),
                _ => HvStatus.Success,
            };
            if (status != HvStatus.Success)
                return status;
        }
        return HvStatus.Success;
    }

    // Only codes the host implements are checked (KVM's hv_check_hypercall_access: "default: return true"); the catalog's
    // privilege and root-only mark unless the host's rule names another privilege.
    private static HvStatus CheckPrivilege(VirtualProcessor caller, HypercallInfo? info, CodePlan plan)
    {
        if (!plan.Owner.EnforcesPrivileges || info is null || !plan.Implemented)
            return HvStatus.Success;
        var partition = caller.Partition;
        if (plan.Privilege is { } required)
            return partition.Has(required) ? HvStatus.Success : plan.MissingPrivilege;
        return !partition.Has(info.RequiredPrivilege) || (info.RootPartitionOnly && !partition.IsRoot) ? plan.MissingPrivilege : HvStatus.Success;
    }

    private static bool RepFieldsValid(HypercallControl control, HypercallInfo info, CodePlan plan) =>
        info.IsRep
            ? control.RepCount != 0 && control.RepStart < control.RepCount && (!plan.RepStartMustBeZero || control.RepStart == 0)
            : control.RepCount == 0 && control.RepStart == 0;

    /// <summary>Input bytes (fixed header, variable header, every rep element) and output bytes of a call.</summary>
    private static (int Input, int Output) Lengths(HypercallInfo info, HypercallControl control) =>
        (info.InputSize!.Value + control.VariableHeaderSize * 8 + info.InputElementSize * control.RepCount,
         info.OutputSize!.Value + info.OutputElementSize * control.RepCount);

    private static HvStatus CheckFastSize(ref HypercallFrame frame, HypercallInfo? info, HypercallHandler? handler, CodePlan plan)
    {
        if (!frame.Control.IsFast)
            return HvStatus.Success;
        if (info is null || handler is null || !info.SizesKnown)
            return plan.UnknownCode;
        var (input, output) = Lengths(info, frame.Control);
        return ((input + 15) & ~15) + output > frame.Capacity * 8 ? plan.FastTooLarge : HvStatus.Success;
    }

    /// <summary>
    /// A slow call's memory parameters under the plan's rules: each area's page straddle and alignment (input, then
    /// output), then whether each lies in guest memory, then overlap. An area of length 0 is not checked (its GPA is ignored).
    /// </summary>
    /// <remarks>host-implementations.md §1.7, §1.9; OpenVMM's <c>check_buffer</c> (straddle, then alignment, per buffer, before the read).</remarks>
    private static HvStatus CheckMemory(GuestMemory memory, ref HypercallFrame frame, HypercallInfo? info, HypercallHandler? handler, CodePlan plan)
    {
        if (frame.Control.IsFast)
            return HvStatus.Success;
        if (info is null || handler is null || !info.SizesKnown)
            return plan.UnknownCode;
        var rules = plan.Memory;
        var (inputLength, outputLength) = Lengths(info, frame.Control);
        var status = CheckPlacement(rules, frame.InputGpa, inputLength);
        if (status == HvStatus.Success)
            status = CheckPlacement(rules, frame.OutputGpa, outputLength);
        if (status != HvStatus.Success)
            return status;
        if ((inputLength != 0 && !memory.Contains(frame.InputGpa, inputLength)) || (outputLength != 0 && !memory.Contains(frame.OutputGpa, outputLength)))
            return rules.OutsideRamStatus;
        if (rules.OverlapStatus is { } overlap && Overlap(frame.InputGpa, inputLength, frame.OutputGpa, outputLength))
            return overlap;
        return HvStatus.Success;
    }

    private static HvStatus CheckPlacement(HostMemoryRules rules, ulong gpa, int length)
    {
        if (length == 0)
            return HvStatus.Success;
        var straddles = length > GuestMemory.PageSize - (int)(gpa % GuestMemory.PageSize);
        if (rules.StraddleFirst && straddles && rules.StraddleStatus is { } first)
            return first;
        if (rules.Alignment > 1 && gpa % (ulong)rules.Alignment != 0)
            return rules.MisalignedStatus;
        if (straddles && rules.StraddleStatus is { } straddle)
            return straddle;
        return HvStatus.Success;
    }

    private static bool Overlap(ulong a, int aLength, ulong b, int bLength) =>
        aLength > 0 && bLength > 0 && a < b + (ulong)bLength && b < a + (ulong)aLength;
}
