using System;
using System.Runtime.CompilerServices;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Hypervisor.Profiles;

namespace HvCall.Hypervisor.Dispatch;

/// <summary>
/// A <see cref="HostProfile"/> resolved once for the dispatcher: per call code (a slot of the catalog's table) the checks
/// in order and the rules they and the handler read, so a dispatch does one array load instead of dictionary lookups.
/// </summary>
/// <remarks>The profile stays the data; this is its index. host-implementations.md §9 item 2 (order per host profile).</remarks>
internal sealed class HostPlan
{
    private static readonly ConditionalWeakTable<HostProfile, HostPlan> Cache = [];

    private readonly CodePlan?[] _plans = new CodePlan?[HypercallCatalog.TableSize];
    private readonly CodePlan _unknown;

    /// <summary>The plan of a profile, built once per profile instance (profiles are immutable).</summary>
    public static HostPlan Of(HostProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return Cache.GetValue(profile, static p => new HostPlan(p));
    }

    private HostPlan(HostProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        profile.ThrowIfInconsistent();
        Profile = profile;
        Vmm = profile.Vmm is { } vmm ? Of(vmm) : null;
        EnforcesPrivileges = profile.EnforcesPrivileges;
        ReservedMask = profile.ReservedMask ?? 0;
        _unknown = new CodePlan(this, profile, new HvCallCode(0xFFFF), implemented: false);
        for (var index = 0; index < _plans.Length; index++)
        {
            var code = new HvCallCode((ushort)(index < HypercallCatalog.NormalCodeLimit ? index : HvCallCode.FirstExtended + index - HypercallCatalog.NormalCodeLimit));
            _plans[index] = new CodePlan(this, profile, code, profile.Implements(code));
        }
    }

    public HostProfile Profile { get; }

    /// <summary>The VMM's plan, for <see cref="HostCheck.HandToVmm"/>.</summary>
    public HostPlan? Vmm { get; }

    public bool EnforcesPrivileges { get; }

    /// <summary>The reserved mask, 0 when the host checks none.</summary>
    public ulong ReservedMask { get; }

    /// <summary>The plan of a code; a code outside the table gets the plan of an unimplemented code.</summary>
    public CodePlan For(HvCallCode code)
    {
        var index = HypercallCatalog.TableIndex(code);
        return index >= 0 ? _plans[index]! : _unknown;
    }
}

/// <summary>One code under one host: its checks and the rules they read (the code rule's value, else the profile's).</summary>
internal sealed class CodePlan
{
    public CodePlan(HostPlan owner, HostProfile profile, HvCallCode code, bool implemented)
    {
        var rule = profile.RuleFor(code);
        Owner = owner;
        Implemented = implemented && HypercallCatalog.TryGet(code, out _);
        var info = HypercallCatalog.TryGet(code, out var known) ? known : null;
        Info = info;
        Privilege = rule?.Privilege;
        // Checks that cannot fail for this code under this host (the code is implemented; privileges are not enforced or
        // the call needs none; the fixed input and output fit the smallest register block) are left out: the first
        // failing check, and so the status, is the same.
        Checks = [.. System.Linq.Enumerable.Where(rule?.Checks ?? profile.Checks, c => !AlwaysPasses(c, owner, info))];
        // A control word with none of CleanMask's bits set passes every check that reads only the control word, so a
        // dispatch of such a word can skip those too.
        if (info is not null && !info.IsRep)
        {
            CleanMask = ~(HypercallControl.CodeMask | (info.FastCapable ? HypercallControl.FastBit : 0) |
                (info.IsVariable ? HypercallControl.VariableHeaderMask : 0));
            CleanChecks = [.. System.Linq.Enumerable.Where(Checks, c => c is not (HostCheck.NestedBit or HostCheck.ReservedBits
                or HostCheck.RepFields or HostCheck.VariableHeader or HostCheck.FastForm) && !(c == HostCheck.FastSize && FixedSizesFitRegisters(info)))];
        }
        else
        {
            CleanMask = ulong.MaxValue;
            CleanChecks = Checks;
        }
        foreach (var check in CleanChecks)
            CleanSet |= 1u << (int)check;
        FastStatus = rule?.FastStatus ?? profile.FastWithoutFastFormStatus ?? profile.InvalidControlStatus;
        Memory = rule?.Memory ?? profile.Memory;
        FixedStatus = rule?.FixedStatus;
        InputFieldStatus = rule?.InputFieldStatus ?? HvStatus.InvalidParameter;
        PostMessage = rule?.PostMessage ?? profile.PostMessage;
        SignalEvent = rule?.SignalEvent ?? profile.SignalEvent;
        UnknownCode = profile.UnknownCodeStatus;
        InvalidControl = profile.InvalidControlStatus;
        MissingPrivilege = profile.MissingPrivilegeStatus;
        FastTooLarge = profile.FastInputTooLargeStatus;
        RepStartMustBeZero = profile.RepStartMustBeZero;
        SlicesRepCalls = profile.SlicesRepCalls;
    }

    private bool AlwaysPasses(HostCheck check, HostPlan owner, HypercallInfo? info) => check switch
    {
        HostCheck.KnownCode => Implemented,
        HostCheck.Privilege => !owner.EnforcesPrivileges || !Implemented ||
            (Privilege ?? info!.RequiredPrivilege) == HvPartitionPrivileges.None && (Privilege is not null || !info!.RootPartitionOnly),
        _ => false,
    };

    // A simple call without variable header: its sizes are fixed, so whether they fit the x64 block (14 qwords, the
    // smaller of the two) is known in advance.
    private static bool FixedSizesFitRegisters(HypercallInfo info) =>
        info.SizesKnown && !info.IsVariable && ((info.InputSize!.Value + 15) & ~15) + info.OutputSize!.Value <= 14 * 8;

    /// <summary>The code's catalog entry, or null for a code the catalog does not know.</summary>
    public HypercallInfo? Info { get; }

    /// <summary>The host whose plan this is (the VMM's, after a hand-off).</summary>
    public HostPlan Owner { get; }

    /// <summary>True when the host implements the code and the catalog knows it.</summary>
    public bool Implemented { get; }

    public HostCheck[] Checks { get; }

    /// <summary>Bits that must all be clear in a control word for <see cref="CleanChecks"/> to stand for <see cref="Checks"/>.</summary>
    public ulong CleanMask { get; }

    /// <summary><see cref="Checks"/> without those that read only the control word (which a clean word passes).</summary>
    public HostCheck[] CleanChecks { get; }

    /// <summary>The kinds in <see cref="CleanChecks"/> as a bit set (bit <c>(int)kind</c>), for the success path.</summary>
    public uint CleanSet { get; }

    public HvStatus FastStatus { get; }

    public HostMemoryRules Memory { get; }

    /// <summary>The privilege the host requires instead of the catalog's, or null for the catalog's.</summary>
    public HvPartitionPrivileges? Privilege { get; }

    public HvStatus? FixedStatus { get; }

    public HvStatus InputFieldStatus { get; }

    public PostMessageRules PostMessage { get; }

    public SignalEventRules SignalEvent { get; }

    public HvStatus UnknownCode { get; }

    public HvStatus InvalidControl { get; }

    public HvStatus MissingPrivilege { get; }

    public HvStatus FastTooLarge { get; }

    public bool RepStartMustBeZero { get; }

    public bool SlicesRepCalls { get; }
}
