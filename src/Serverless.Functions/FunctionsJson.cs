using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Serverless.Functions;

/// <summary>The one JSON shape of everything the function app writes: camelCase, as in SPEC.</summary>
public static class FunctionsJson
{
    /// <summary>
    /// Web defaults (camelCase, case-insensitive reading), enums as camelCase strings. Responses are JSON, never HTML, so
    /// quotes and non-ASCII letters in details and labels are written as themselves rather than as \u escapes. The classify
    /// responses and queue answers use source-generated metadata (<see cref="FunctionsJsonContext"/>), other types reflection.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        TypeInfoResolver = JsonTypeInfoResolver.Combine(FunctionsJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };
}
