using System.Text.Json.Serialization;

namespace Serverless.Training;

/// <summary>Scores of the production version, and which version that was.</summary>
public sealed record ProductionScores(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("macro_f1")] double MacroF1)
{
    /// <summary>The scores alone.</summary>
    [JsonIgnore]
    public EvaluationScores Scores => new(Accuracy, MacroF1);
}
