using System.Text.Json.Serialization;

namespace Serverless.Training;

/// <summary>Scores of one model on the evaluation split.</summary>
public sealed record EvaluationScores(
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("macro_f1")] double MacroF1)
{
    /// <summary>The value of a gate metric (<see cref="TrainingGate.AccuracyMetric"/> or <see cref="TrainingGate.MacroF1Metric"/>).</summary>
    public double Get(string metric) => metric == TrainingGate.AccuracyMetric ? Accuracy : MacroF1;
}
