using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Training;

/// <summary>Reads and writes a <see cref="TimeSpan"/> as "d.hh:mm:ss" text, saying which form is expected when it is not.</summary>
public sealed class TimeSpanConverter : JsonConverter<TimeSpan>
{
    /// <inheritdoc />
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && TimeSpan.TryParse(reader.GetString(), CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new JsonException("A time span is text such as \"7.00:00:00\" (7 days) or \"01:30:00\".");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("c", CultureInfo.InvariantCulture));
}
