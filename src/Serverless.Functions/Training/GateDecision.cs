using System.Globalization;
using Serverless.Training;

namespace Serverless.Functions.Training;

/// <summary>What the publishing gate decided about a candidate, with the reason in words.</summary>
/// <param name="Passed">True when the candidate may become production (after approval, when asked for).</param>
/// <param name="Reason">"passed: macro_f1 0.9012 > 0.8630 (production version 1)", or what it missed.</param>
public sealed record GateDecision(bool Passed, string Reason)
{
    /// <summary>
    /// Applies <paramref name="gate"/> to <paramref name="evaluation"/>: the minimum when set, then (unless turned off or
    /// there is nothing comparable in production) the candidate must beat production by more than the margin.
    /// </summary>
    public static GateDecision Decide(TrainingGate gate, TrainingEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(evaluation);
        var metric = gate.Metric;
        var candidate = evaluation.Candidate.Get(metric);
        if (gate.Minimum is { } minimum && candidate < minimum)
        {
            return new(false, Text($"rejected: {metric} {candidate:F4} is below the minimum {minimum:F4}"));
        }

        if (!gate.MustBeatProduction)
        {
            return new(true, Text($"passed: {metric} {candidate:F4}{MinimumText(gate)}; production comparison turned off"));
        }

        if (evaluation.Production is not { } production)
        {
            return new(true, Text($"passed: {metric} {candidate:F4}{MinimumText(gate)}; production comparison skipped: {evaluation.ProductionSkipped ?? "no production version"}"));
        }

        var baseline = production.Scores.Get(metric);
        var margin = gate.Margin > 0 ? Text($" + margin {gate.Margin:F4}") : "";
        return candidate > baseline + gate.Margin
            ? new(true, Text($"passed: {metric} {candidate:F4} > {baseline:F4}{margin} (production version {production.Version})"))
            : new(false, Text($"rejected: {metric} {candidate:F4} does not beat {baseline:F4}{margin} (production version {production.Version})"));
    }

    private static string MinimumText(TrainingGate gate) => gate.Minimum is { } minimum ? Text($" >= minimum {minimum:F4}") : "";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
