using System.Text.Json.Nodes;

using Serverless.Training.Choices;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.Cards;

/// <summary>What a model card describes.</summary>
public sealed record ModelCardContent
{
    /// <summary>Registry name of the model.</summary>
    public required string ModelName { get; init; }

    /// <summary>"head" (head-only on frozen embeddings) or "full" (fine-tuned encoder and head).</summary>
    public required string TrainingMode { get; init; }

    /// <summary>The base model, e.g. "minilm@1".</summary>
    public required string Base { get; init; }

    /// <summary>The data the model was trained, validated and tested on.</summary>
    public required DatasetSplits Data { get; init; }

    /// <summary>Metrics on the test split.</summary>
    public required ClassificationReport TestMetrics { get; init; }

    /// <summary>Metrics on the validation split, if computed.</summary>
    public ClassificationReport? ValidationMetrics { get; init; }

    /// <summary>Calibration and per-slice metrics on the test split, if computed.</summary>
    public TestSplitDiagnostics? Diagnostics { get; init; }

    /// <summary>Hyperparameters as written to the lineage.</summary>
    public JsonObject? Hyperparameters { get; init; }

    /// <summary>Training loss over training.</summary>
    public IReadOnlyList<LossPoint> Loss { get; init; } = [];

    /// <summary>Validation metrics per epoch.</summary>
    public IReadOnlyList<EpochMetrics> ValidationCurve { get; init; } = [];

    /// <summary>What an epoch is in this training mode (axis label), e.g. "epoch" or "iteration (full batch)".</summary>
    public string EpochLabel { get; init; } = "epoch";

    /// <summary>How the run settled its hyperparameters (chosen from the data or given), by request name; shown with why.</summary>
    public IReadOnlyDictionary<string, HyperparameterChoice>? Choices { get; init; }

    /// <summary>The decision calibration folded into the head's bias, if any was tried.</summary>
    public DecisionOffsets? Offsets { get; init; }

    /// <summary>Metrics on the test split before <see cref="Offsets"/> were applied (<see cref="TestMetrics"/> are after).</summary>
    public ClassificationReport? TestMetricsBeforeOffsets { get; init; }

    /// <summary>In mode "auto": both modes side by side and which was kept.</summary>
    public ModeSelection? Selection { get; init; }

    /// <summary>Further facts worth a line each (e.g. serving parity, timing).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The training run that made the model, if any.</summary>
    public string? RunId { get; init; }

    /// <summary>When the model was made.</summary>
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
}
