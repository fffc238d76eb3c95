using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Classification;

/// <summary>One label's score.</summary>
public sealed record LabelScore(string Label, float Score);

/// <summary>The classification of one text.</summary>
/// <param name="Label">The top label (arg-max).</param>
/// <param name="Score">The top label's score.</param>
/// <param name="Scores">Labels by descending score (top-k when asked); serialized as an ordered JSON object.</param>
/// <param name="Labels">Multi-label models: every label whose score reaches the threshold; null for single-label models.</param>
/// <param name="Truncated">
/// True when text was cut: longer than the model's maximum length, or with <see cref="LongTextMode.Windows"/> longer than
/// the most windows a text gets.
/// </param>
/// <param name="Windows">With <see cref="LongTextMode.Windows"/>: how many windows the text was classified in; null otherwise.</param>
public sealed record TextClassification(
    string Label,
    float Score,
    [property: JsonConverter(typeof(LabelScoresJsonConverter))] IReadOnlyList<LabelScore> Scores,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Labels,
    bool Truncated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Windows = null);

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
