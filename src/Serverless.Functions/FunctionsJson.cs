using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Functions;

/// <summary>The one JSON shape of everything the function app writes: camelCase, as in SPEC.</summary>
public static class FunctionsJson
{
    /// <summary>Web defaults (camelCase, case-insensitive reading), enums as camelCase strings.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
