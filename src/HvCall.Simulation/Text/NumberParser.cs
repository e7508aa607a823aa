using System;
using System.Diagnostics.CodeAnalysis;

namespace HvCall.Simulation.Text;

/// <summary>
/// Parses the unsigned 64-bit numbers HvCall accepts on the command line and in option strings: decimal (<c>92</c>) or hex
/// with a <c>0x</c>/<c>0X</c> prefix (<c>0x5C</c>, digits in either case). Underscores may separate
/// digits (<c>0x1_0000_005D</c>). Signs, spaces and other prefixes are rejected.
/// </summary>
public static class NumberParser
{
    /// <summary>Parses <paramref name="text"/> over the full 64-bit range.</summary>
    /// <param name="text">The command-line token.</param>
    /// <param name="value">The value, when parsed.</param>
    /// <param name="error">A one-line explanation, when not parsed.</param>
    /// <returns>True when <paramref name="text"/> is a valid number.</returns>
    public static bool TryParseUInt64(string text, out ulong value, [NotNullWhen(false)] out string? error)
    {
        value = 0;
        var isHex = text.Length >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
        var digits = isHex ? text.AsSpan(2) : text.AsSpan();
        var radix = isHex ? 16u : 10u;
        var example = "use decimal (92) or hex (0x5C)";

        if (digits.IsEmpty)
        {
            error = isHex ? $"'{text}' has no hex digits after '0x'." : $"An empty string is not a number: {example}.";
            return false;
        }
        if (digits[0] == '_' || digits[^1] == '_')
        {
            error = $"'{text}' is not a number: underscores may only separate digits.";
            return false;
        }

        var seenDigit = false;
        foreach (var c in digits)
        {
            if (c == '_')
            {
                if (!seenDigit)
                {
                    error = $"'{text}' is not a number: underscores may only separate digits.";
                    return false;
                }
                seenDigit = false;
                continue;
            }
            var digit = DigitValue(c);
            if (digit >= radix)
            {
                error = isHex
                    ? $"'{text}' is not a hex number: '{c}' is not a hex digit."
                    : $"'{text}' is not a number: {example}.";
                return false;
            }
            if (value > (ulong.MaxValue - digit) / radix)
            {
                error = $"'{text}' is out of range: the largest 64-bit value is {ulong.MaxValue} (0x{ulong.MaxValue:X}).";
                value = 0;
                return false;
            }
            value = (value * radix) + digit;
            seenDigit = true;
        }
        error = null;
        return true;
    }

    private static uint DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => (uint)(c - '0'),
        >= 'a' and <= 'f' => (uint)(c - 'a' + 10),
        >= 'A' and <= 'F' => (uint)(c - 'A' + 10),
        _ => uint.MaxValue,
    };
}
