using System;
using System.Collections.Generic;
using System.Text;

namespace HvCall.Abi;

/// <summary>TLFS spellings of <see cref="HvStatus"/> values (<c>HV_STATUS_INVALID_CONNECTION_ID</c>).</summary>
public static class HvStatusNames
{
    private static readonly Dictionary<HvStatus, string> Names = Build();

    /// <summary>True when <paramref name="status"/> is a value the TLFS defines.</summary>
    /// <param name="status">The status to test.</param>
    public static bool IsDefined(HvStatus status) => Names.ContainsKey(status);

    /// <summary>
    /// The TLFS name of a status, such as <c>HV_STATUS_INSUFFICIENT_BUFFERS</c>; a value the TLFS does
    /// not define is spelt as four hex digits (<c>0x00AB</c>).
    /// </summary>
    /// <param name="status">The status to name.</param>
    public static string TlfsName(HvStatus status) =>
        Names.TryGetValue(status, out var name) ? name : $"0x{(ushort)status:X4}";

    private static Dictionary<HvStatus, string> Build()
    {
        var names = new Dictionary<HvStatus, string>();
        foreach (var value in Enum.GetValues<HvStatus>())
            names[value] = "HV_STATUS_" + ToUpperSnake(value.ToString());
        return names;
    }

    private static string ToUpperSnake(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
                builder.Append('_');
            builder.Append(char.ToUpperInvariant(pascal[i]));
        }
        return builder.ToString();
    }
}
