using System.Text.Json.Nodes;

namespace Serverless.Training.Evaluation;

/// <summary>Metrics of a classifier on one labelled set.</summary>
/// <param name="Count">Number of examples evaluated.</param>
/// <param name="Accuracy">Share of examples whose predicted label is the actual one.</param>
/// <param name="MacroF1">Unweighted mean of the classes' F1 over every label of the model.</param>
/// <param name="PerClass">Metrics per label in the model's label order.</param>
/// <param name="ConfusionMatrix">Actual × predicted counts.</param>
public sealed record ClassificationReport(int Count, double Accuracy, double MacroF1, IReadOnlyList<ClassMetrics> PerClass, ConfusionMatrix ConfusionMatrix)
{
    /// <summary>The value of a gate metric (<see cref="TrainingGate.AccuracyMetric"/> or <see cref="TrainingGate.MacroF1Metric"/>).</summary>
    public double Get(string metric) => new EvaluationScores(Accuracy, MacroF1).Get(metric);

    /// <summary>
    /// The manifest's metrics object: accuracy, macro_f1, per_class {label: {precision, recall, f1, support}},
    /// confusion_matrix {labels, matrix} (rows actual, columns predicted), and count.
    /// </summary>
    public JsonObject ToJson()
    {
        var perClass = new JsonObject();
        foreach (var m in PerClass)
        {
            perClass[m.Label] = new JsonObject
            {
                ["precision"] = Round(m.Precision),
                ["recall"] = Round(m.Recall),
                ["f1"] = Round(m.F1),
                ["support"] = m.Support,
            };
        }

        return new JsonObject
        {
            ["accuracy"] = Round(Accuracy),
            ["macro_f1"] = Round(MacroF1),
            ["count"] = Count,
            ["per_class"] = perClass,
            ["confusion_matrix"] = new JsonObject
            {
                ["labels"] = new JsonArray(ConfusionMatrix.Labels.Select(l => (JsonNode?)l).ToArray()),
                ["matrix"] = new JsonArray(ConfusionMatrix.Counts
                    .Select(row => (JsonNode?)new JsonArray(row.Select(c => (JsonNode?)c).ToArray()))
                    .ToArray()),
            },
        };
    }

    // Six decimals keep the manifest readable; metrics are not meaningful beyond that.
    private static double Round(double value) => Math.Round(value, 6);
}
