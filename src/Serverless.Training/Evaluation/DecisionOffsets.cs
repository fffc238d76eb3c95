using System.Text.Json.Nodes;

namespace Serverless.Training.Evaluation;

/// <summary>The per-class logit offsets <see cref="DecisionCalibration"/> chose, with the validation metric before and after.</summary>
/// <param name="Labels">The labels, in logit order.</param>
/// <param name="Offsets">The offset of each label's logit; all 0 when calibration changed nothing.</param>
/// <param name="Metric">The validation metric maximised.</param>
/// <param name="Before">The metric without offsets.</param>
/// <param name="After">The metric with the offsets.</param>
/// <param name="Reason">What calibration did and why, in a short line for people.</param>
public sealed record DecisionOffsets(IReadOnlyList<string> Labels, IReadOnlyList<float> Offsets, string Metric, double Before, double After, string Reason)
{
    /// <summary>True when some offset is not 0.</summary>
    public bool Changed => Offsets.Any(o => o != 0);

    /// <summary>The metrics key under which <see cref="ToJson"/> is recorded.</summary>
    public const string MetricsKey = "decision_calibration";

    /// <summary>
    /// The offsets a package's metrics.json records under <see cref="MetricsKey"/>, in the order of <paramref name="labels"/>
    /// (0 for a label it does not name); null when it records none or all are 0.
    /// </summary>
    public static float[]? Read(JsonObject? metrics, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (metrics?[MetricsKey]?["offsets"] is not JsonObject byLabel)
        {
            return null;
        }

        var offsets = labels.Select(l => byLabel[l] is { } value ? (float)value.GetValue<double>() : 0f).ToArray();
        return offsets.Any(o => o != 0) ? offsets : null;
    }

    /// <summary>The offsets by label with the figures, as metrics.json, the status and the lineage record them.</summary>
    public JsonObject ToJson()
    {
        var offsets = new JsonObject();
        for (var k = 0; k < Labels.Count; k++)
        {
            offsets[Labels[k]] = Math.Round(Offsets[k], 4);
        }

        return new JsonObject
        {
            ["offsets"] = offsets,
            ["metric"] = Metric,
            ["validation_before"] = Math.Round(Before, 6),
            ["validation_after"] = Math.Round(After, 6),
            ["reason"] = Reason,
        };
    }
}
