using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Simulation.Text;

namespace HvCall.Cli.Infrastructure;

/// <summary>
/// Finds a hypercall code or a status by what a user types (<c>hvcall codes NAME</c>, <c>hvcall status NAME</c>): a number
/// in the CLI's syntax, or a name compared without case, underscores, hyphens or spaces, its prefix optional. So
/// <c>postmessage</c>, <c>PostMessage</c>, <c>HvCallPostMessage</c> and Linux's <c>HVCALL_POST_MESSAGE</c> all name 0x005C;
/// <c>invalid_connection_id</c>, <c>InvalidConnectionId</c> and <c>HV_STATUS_INVALID_CONNECTION_ID</c> all name 0x12.
/// </summary>
internal static class NameLookup
{
    // Longest first: "hvextcall" before "hvcall", so an extended name loses its whole prefix.
    private static readonly string[] CodePrefixes = ["hvextcall", "hvcall"];
    private static readonly string[] StatusPrefixes = ["hvstatus"];

    /// <summary>The comparison key of a name: letters and digits only, lower case, the first matching prefix removed.</summary>
    /// <param name="name">The name as typed or as the ABI spells it.</param>
    /// <param name="prefixes">Optional prefixes, already keys themselves.</param>
    public static string Key(string name, IReadOnlyList<string> prefixes)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c is not ('_' or '-' or ' '))
                builder.Append(char.ToLowerInvariant(c));
        }
        var key = builder.ToString();
        foreach (var prefix in prefixes)
        {
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.Ordinal))
                return key[prefix.Length..];
        }
        return key;
    }

    /// <summary>The comparison key of a hypercall name (<c>HvCallPostMessage</c> → <c>postmessage</c>).</summary>
    /// <param name="name">The name.</param>
    public static string CodeKey(string name) => Key(name, CodePrefixes);

    /// <summary>The comparison key of a status name (<c>HV_STATUS_NOT_FOUND</c> → <c>notfound</c>).</summary>
    /// <param name="name">The name.</param>
    public static string StatusKey(string name) => Key(name, StatusPrefixes);

    /// <summary>Finds a catalog entry by code (<c>0x5C</c>, <c>92</c>) or name.</summary>
    /// <param name="text">What the user typed.</param>
    /// <param name="info">The entry, when found.</param>
    /// <param name="error">A one-line reason, when not.</param>
    public static bool TryFindCode(string text, [NotNullWhen(true)] out HypercallInfo? info, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        info = null;
        if (LooksNumeric(text))
        {
            if (!NumberParser.TryParseUInt64(text.Trim(), out var value, out error))
                return false;
            if (value > ushort.MaxValue)
            {
                error = $"'{text}' is not a call code: codes are 16 bits (0 to 0xFFFF).";
                return false;
            }
            if (HypercallCatalog.TryGet(new HvCallCode((ushort)value), out info))
                return true;
            error = $"0x{value:X4} is not in the hypercall catalog ('hvcall codes' lists it).";
            return false;
        }
        var key = CodeKey(text);
        foreach (var entry in HypercallCatalog.All)
        {
            if (key.Length > 0 && CodeKey(entry.Name) == key)
            {
                info = entry;
                error = null;
                return true;
            }
        }
        error = $"no hypercall is named '{text}' ('hvcall codes' lists them; case, '_' and the HvCall prefix do not matter).";
        return false;
    }

    /// <summary>Finds a status the TLFS defines by value (<c>0x12</c>, <c>18</c>) or name.</summary>
    /// <param name="text">What the user typed.</param>
    /// <param name="status">The status, when found.</param>
    /// <param name="error">A one-line reason, when not.</param>
    public static bool TryFindStatus(string text, out HvStatus status, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        status = default;
        if (LooksNumeric(text))
        {
            if (!NumberParser.TryParseUInt64(text.Trim(), out var value, out error))
                return false;
            if (value > ushort.MaxValue)
            {
                error = $"'{text}' is not a status: statuses are 16 bits (0 to 0xFFFF).";
                return false;
            }
            status = (HvStatus)(ushort)value;
            if (HvStatusNames.IsDefined(status))
                return true;
            error = $"0x{value:X4} is not a TLFS status.";
            return false;
        }
        var key = StatusKey(text);
        foreach (var candidate in Enum.GetValues<HvStatus>())
        {
            if (key.Length > 0 && StatusKey(HvStatusNames.TlfsName(candidate)) == key)
            {
                status = candidate;
                error = null;
                return true;
            }
        }
        error = $"no status is named '{text}' (case, '_' and the HV_STATUS_ prefix do not matter).";
        return false;
    }

    // A value starts with a digit: names never do.
    private static bool LooksNumeric(string text) => text.Trim() is { Length: > 0 } trimmed && char.IsAsciiDigit(trimmed[0]);
}
