using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Packages;

/// <summary>
/// Reads an integer that may be written as a huge number: Hugging Face exports without a length limit write
/// model_max_length as 1000000000000000019884624838656, which means "no limit" and is read as <see cref="int.MaxValue"/>.
/// </summary>
public sealed class ClampedInt32JsonConverter : JsonConverter<int>
{
    /// <inheritdoc />
    public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException("Expected a number.");
        }

        if (reader.TryGetInt32(out var value))
        {
            return value;
        }

        var number = reader.GetDouble();
        return number >= int.MaxValue ? int.MaxValue : number <= int.MinValue ? int.MinValue : (int)number;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}
