using System.Text.Json;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>Assertions on JSON properties that also check the JSON kind (number, string, boolean).</summary>
internal static class JsonAssert
{
    public static void Number(JsonElement element, string property, ulong expected)
    {
        var value = element.GetProperty(property);
        Assert.Equal(JsonValueKind.Number, value.ValueKind);
        Assert.Equal(expected, value.GetUInt64());
    }

    public static void String(JsonElement element, string property, string expected)
    {
        var value = element.GetProperty(property);
        Assert.Equal(JsonValueKind.String, value.ValueKind);
        Assert.Equal(expected, value.GetString());
    }

    public static void Bool(JsonElement element, string property, bool expected)
    {
        var value = element.GetProperty(property);
        Assert.Equal(expected ? JsonValueKind.True : JsonValueKind.False, value.ValueKind);
    }
}
