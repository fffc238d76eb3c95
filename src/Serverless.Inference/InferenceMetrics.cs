using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Serverless.Inference;

/// <summary>
/// Metrics of the inference engine on the meter <see cref="MeterName"/>, tagged with model.name, model.version and
/// device. Collect them with OpenTelemetry (AddMeter(InferenceMetrics.MeterName)) or a MeterListener. The meter comes from
/// the host's <see cref="IMeterFactory"/>, so it lives and ends with the host's services; an engine created without one
/// records no metrics (training's evaluation, benchmarks).
/// </summary>
public sealed class InferenceMetrics
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

    /// <summary>Creates the instruments on the meter <see cref="MeterName"/> of <paramref name="meterFactory"/>.</summary>
    public InferenceMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        BatchSizes = meter.CreateHistogram<int>(BatchSize, "{text}", "Texts per model run.");
        PaddingShares = meter.CreateHistogram<double>(PaddingShare, "1", "Share of a run's token positions that are padding.");
        Durations = meter.CreateHistogram<double>(Duration, "s", "Duration of one model run.");
        QueueDepths = meter.CreateUpDownCounter<long>(QueueDepth, "{text}", "Texts waiting for a model run.");
        Rejections = meter.CreateCounter<long>(Rejected, "{request}", "Requests refused because the engine's queue was full.");
    }

    internal Histogram<int> BatchSizes { get; }

    internal Histogram<double> PaddingShares { get; }

    internal Histogram<double> Durations { get; }

    internal UpDownCounter<long> QueueDepths { get; }

    internal Counter<long> Rejections { get; }

    internal static TagList Tags(ModelIdentity identity, string device) => new()
    {
        { "model.name", identity.Name },
        { "model.version", identity.Version },
        { "device", device },
    };
}
