using System.Text.Json.Serialization;

namespace Serverless.Training;

/// <summary>
/// The publishing gate of a training run (the "gate" object of <c>POST /api/training</c>): what the candidate must reach,
/// on the test split scored by the serving engine, before an alias points at it.
/// </summary>
public sealed record TrainingGate
{
    /// <summary>Gate on accuracy.</summary>
    public const string AccuracyMetric = "accuracy";

    /// <summary>Gate on macro-averaged F1 (the default).</summary>
    public const string MacroF1Metric = "macro_f1";

    /// <summary><see cref="AccuracyMetric"/> or <see cref="MacroF1Metric"/>.</summary>
    public string Metric { get; init; } = MacroF1Metric;

    /// <summary>The least value of <see cref="Metric"/> a candidate must reach; null for none.</summary>
    public double? Minimum { get; init; }

    /// <summary>The candidate must beat the production version by more than <see cref="Margin"/> (skipped when there is none).</summary>
    public bool MustBeatProduction { get; init; } = true;

    /// <summary>How much better than production the candidate must be.</summary>
    public double Margin { get; init; }

    /// <summary>A passing candidate waits for approval under the <c>candidate</c> alias before it becomes <c>production</c>.</summary>
    public bool RequireApproval { get; init; }

    /// <summary>How long a run waits for approval before it is Rejected.</summary>
    [JsonConverter(typeof(TimeSpanConverter))]
    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Checks ranges, throwing <see cref="Errors.InvalidRequestException"/> naming the field.</summary>
    public void Validate()
    {
        if (Metric is not (AccuracyMetric or MacroF1Metric))
        {
            throw new Errors.InvalidRequestException($"gate.metric must be \"{MacroF1Metric}\" or \"{AccuracyMetric}\", not \"{Errors.CallerInput.Excerpt(Metric)}\".");
        }

        if (Minimum is { } minimum && (double.IsNaN(minimum) || minimum is < 0 or > 1))
        {
            throw new Errors.InvalidRequestException($"gate.minimum must be between 0 and 1, not {minimum}.");
        }

        if (double.IsNaN(Margin) || Margin is < 0 or >= 1)
        {
            throw new Errors.InvalidRequestException($"gate.margin must be in [0, 1), not {Margin}.");
        }

        if (ApprovalTimeout <= TimeSpan.Zero || ApprovalTimeout > TimeSpan.FromDays(30))
        {
            throw new Errors.InvalidRequestException($"gate.approvalTimeout must be a positive time span of at most 30 days (\"7.00:00:00\"), not \"{ApprovalTimeout}\".");
        }
    }
}
