using System.Text.Json.Serialization;

namespace Serverless.Classification;

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
