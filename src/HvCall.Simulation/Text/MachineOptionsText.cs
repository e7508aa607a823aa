using System;
using System.Diagnostics.CodeAnalysis;
using HvCall.Abi;
using HvCall.Hypervisor.Profiles;
using HvCall.Simulation.Machines;

namespace HvCall.Simulation.Text;

/// <summary>
/// Machine options as text: <c>key=value</c> pairs separated by commas, with the names and values of
/// <c>hvcall simulate</c>: <c>topology=nested|flat</c>, <c>arch=x64|arm64</c>, <c>vps=N</c>, <c>memory=BYTES</c>,
/// <c>seed=S</c>, <c>l2-guests=N</c>, <c>l0=NAME</c> (the host profile L0 answers as: hyperv, kvm, kvm-relay, qemu, openvmm;
/// default hyperv), <c>enforce-cpuid=on|off</c> (the profile's <see cref="HostProfile.EnforceCpuid"/>, KVM's
/// KVM_CAP_HYPERV_ENFORCE_CPUID; off by default), and <c>trace=on|off</c> (whether hypercalls are recorded; on by default).
/// Numbers take <see cref="NumberParser"/>'s syntax; names and values are matched case-insensitively. An empty text gives
/// the defaults of <c>hvcall simulate</c> (nested, x64, one VP, hyperv).
/// </summary>
public static class MachineOptionsText
{
    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <param name="text">The options, or null or empty for the defaults.</param>
    /// <param name="options">The options when parsed (validated with <see cref="MachineOptions.Validate"/>).</param>
    /// <param name="error">A one-line reason when not.</param>
    public static bool TryParse(string? text, [NotNullWhen(true)] out MachineOptions? options, [NotNullWhen(false)] out string? error)
    {
        var parsed = new MachineOptions { Topology = Topology.Nested };
        bool? enforceCpuid = null;
        options = null;
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0)
                continue;
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"'{part}' is not key=value (keys: {Keys}).";
                return false;
            }
            var key = part[..equals].Trim().ToLowerInvariant();
            var value = part[(equals + 1)..].Trim();
            if (key == "enforce-cpuid")
            {
                if (!TryChoose(value, "off", "on", out var enforce, out error))
                    return false;
                enforceCpuid = enforce;
                continue;
            }
            if (!TryApply(ref parsed, key, value, out error))
                return false;
        }
        if (enforceCpuid is { } cpuid)
            parsed = parsed with { L0Profile = parsed.L0Profile with { EnforceCpuid = cpuid } };
        error = parsed.Validate();
        if (error is not null)
            return false;
        options = parsed;
        return true;
    }

    private static bool TryApply(ref MachineOptions options, string key, string value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        switch (key)
        {
            case "topology":
                if (!TryChoose(value, "flat", "nested", out var nested, out error))
                    return false;
                options = options with { Topology = nested ? Topology.Nested : Topology.Flat };
                return true;
            case "l0":
                if (!HostProfiles.TryGet(value, out var profile))
                {
                    error = $"l0: {HostProfiles.UnknownName(value)}";
                    return false;
                }
                options = options with { L0Profile = profile };
                return true;
            case "trace":
                if (!TryChoose(value, "off", "on", out var on, out error))
                    return false;
                options = options with { Trace = on };
                return true;
            case "arch":
                if (!TryChoose(value, "x64", "arm64", out var arm64, out error))
                    return false;
                options = options with { Architecture = arm64 ? HvArchitecture.Arm64 : HvArchitecture.X64 };
                return true;
            case "vps" or "memory" or "seed" or "l2-guests":
                if (!NumberParser.TryParseUInt64(value, out var number, out var numberError))
                {
                    error = $"{key}: {numberError}";
                    return false;
                }
                if (key != "seed" && number > int.MaxValue && key != "memory")
                {
                    error = $"{key}: {number} is out of range.";
                    return false;
                }
                options = key switch
                {
                    "vps" => options with { VpCount = (int)number },
                    "memory" => options with { MemorySize = number },
                    "seed" => options with { Seed = number },
                    _ => options with { L2Guests = (int)number },
                };
                return true;
            default:
                error = $"unknown option '{key}' (keys: {Keys}).";
                return false;
        }
    }

    private const string Keys = "topology, arch, vps, memory, seed, l2-guests, l0, enforce-cpuid, trace";

    private static bool TryChoose(string value, string first, string second, out bool isSecond, [NotNullWhen(false)] out string? error)
    {
        isSecond = value.Equals(second, StringComparison.OrdinalIgnoreCase);
        if (isSecond || value.Equals(first, StringComparison.OrdinalIgnoreCase))
        {
            error = null;
            return true;
        }
        error = $"'{value}' is not {first} or {second}.";
        return false;
    }
}
