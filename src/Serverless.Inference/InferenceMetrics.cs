using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Serverless.Inference;

/// <summary>
/// Metrics of the inference engine on the meter <see cref="MeterName"/>, tagged with model.name, model.version and
/// device. Collect them with OpenTelemetry (AddMeter(InferenceMetrics.MeterName)) or a MeterListener.
/// </summary>
public static class InferenceMetrics
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "Serverless.Inference";

    /// <summary>Texts per model run.</summary>
    public const string BatchSize = "serverless.inference.batch.size";

    /// <summary>Share of a run's token positions that are padding, 0–1.</summary>
    public const string PaddingShare = "serverless.inference.batch.padding_share";

    /// <summary>Seconds per model run.</summary>
    public const string Duration = "serverless.inference.duration";

    /// <summary>Texts waiting for a model run.</summary>
    public const string QueueDepth = "serverless.inference.queue.depth";

    /// <summary>Requests refused because the queue was full (answered 429).</summary>
    public const string Rejected = "serverless.inference.rejected";

    private static readonly Meter s_meter = new(MeterName);

    internal static readonly Histogram<int> BatchSizes = s_meter.CreateHistogram<int>(BatchSize, "{text}", "Texts per model run.");
    internal static readonly Histogram<double> PaddingShares = s_meter.CreateHistogram<double>(PaddingShare, "1", "Share of a run's token positions that are padding.");
    internal static readonly Histogram<double> Durations = s_meter.CreateHistogram<double>(Duration, "s", "Duration of one model run.");
    internal static readonly UpDownCounter<long> QueueDepths = s_meter.CreateUpDownCounter<long>(QueueDepth, "{text}", "Texts waiting for a model run.");
    internal static readonly Counter<long> Rejections = s_meter.CreateCounter<long>(Rejected, "{request}", "Requests refused because the engine's queue was full.");

    internal static TagList Tags(ModelIdentity identity, string device) => new()
    {
        { "model.name", identity.Name },
        { "model.version", identity.Version },
        { "device", device },
    };
}

/// <summary>Which model version an engine serves, for logs and metric tags.</summary>
/// <param name="Name">Model name, e.g. "spam".</param>
/// <param name="Version">Version number, e.g. "3".</param>
public sealed record ModelIdentity(string Name, string Version)
{
    /// <summary>Used when the caller does not say which model it is.</summary>
    public static ModelIdentity Unknown { get; } = new("unknown", "unknown");
}

/// <summary>What an engine has done so far; a consistent snapshot for diagnostics, health pages and benchmarks.</summary>
/// <param name="Batches">Model runs.</param>
/// <param name="Texts">Texts run.</param>
/// <param name="Tokens">Real (non-padding) token positions run.</param>
/// <param name="PaddedTokens">All token positions run (texts × padded length, summed over runs).</param>
/// <param name="LargestBatchTexts">Most texts in one run.</param>
/// <param name="LargestBatchTokens">Most token positions (texts × padded length) in one run.</param>
/// <param name="Rejected">Requests refused because the queue was full.</param>
/// <param name="QueuedTexts">Texts waiting now.</param>
public sealed record EngineStatistics(
    long Batches, long Texts, long Tokens, long PaddedTokens, int LargestBatchTexts, int LargestBatchTokens, long Rejected, int QueuedTexts)
{
    /// <summary>Share of all token positions run that were padding, 0–1.</summary>
    public double PaddingShare => PaddedTokens == 0 ? 0 : 1.0 - ((double)Tokens / PaddedTokens);
}
