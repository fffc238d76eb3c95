using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Classification;

/// <summary>Writes label scores as a JSON object that keeps their order: {"spam":0.98,"ham":0.02}.</summary>
public sealed class LabelScoresJsonConverter : JsonConverter<IReadOnlyList<LabelScore>>
{
    /// <inheritdoc />
    public override IReadOnlyList<LabelScore> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var scores = new List<LabelScore>();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Scores must be a JSON object.");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var label = reader.GetString()!;
            reader.Read();
            scores.Add(new LabelScore(label, reader.GetSingle()));
        }

        return scores;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<LabelScore> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var score in value)
        {
            writer.WriteNumber(score.Label, Math.Round(score.Score, 6));
        }

        writer.WriteEndObject();
    }
}
