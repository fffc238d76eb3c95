using System.Globalization;
using System.Text.Json.Nodes;

namespace Serverless.Training.Choices;

/// <summary>
/// Which training mode's candidate a run keeps: in mode "auto" full fine-tuning only when its validation metric (the
/// gate's, before decision calibration) is strictly better than head-only's, so the kept model is never below the
/// head-only baseline on validation;
/// with a single mode trained, that one. The test split is never consulted.
/// </summary>
/// <param name="Kept">The candidate kept.</param>
/// <param name="Head">The head-only candidate, when it was trained.</param>
/// <param name="Full">The fully fine-tuned candidate, when it was trained.</param>
/// <param name="Metric">The validation metric compared.</param>
/// <param name="Reason">Why <paramref name="Kept"/> was kept, in a line for people.</param>
public sealed record ModeSelection(CandidateModel Kept, CandidateModel? Head, CandidateModel? Full, string Metric, string Reason)
{
    /// <summary>Chooses between the candidates trained (at least one).</summary>
    public static ModeSelection Choose(CandidateModel? head, CandidateModel? full, string metric)
    {
        if (head is null && full is null)
        {
            throw new ArgumentException("No training mode produced a candidate.", nameof(head));
        }

        if (head is null)
        {
            return new ModeSelection(full!, null, full, metric, "full fine-tuning was the only mode trained");
        }

        if (full is null)
        {
            return new ModeSelection(head, head, null, metric, "head-only training was the only mode trained");
        }

        var (h, f) = (head.ValidationMetric(metric), full.ValidationMetric(metric));
        return f > h
            ? new ModeSelection(full, head, full, metric, Invariant($"full fine-tuning: validation {metric} {f:0.0000} beats head-only's {h:0.0000}"))
            : new ModeSelection(head, head, full, metric,
                Invariant($"head-only: validation {metric} {h:0.0000}, full fine-tuning {f:0.0000} (full fine-tuning is kept only when it is better on validation)"));
    }

    /// <summary>Both modes side by side, as the status and metrics.json show them.</summary>
    public JsonObject ToJson() => new()
    {
        ["metric"] = Metric,
        ["kept"] = Kept.Mode,
        ["reason"] = Reason,
        ["head"] = Head?.Summary(),
        ["full"] = Full?.Summary(),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
