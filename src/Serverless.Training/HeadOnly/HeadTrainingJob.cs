using Serverless.Packages;
using Serverless.Training.Data;

namespace Serverless.Training.HeadOnly;

/// <summary>What head-only training is asked to do.</summary>
public sealed record HeadTrainingJob
{
    /// <summary>Registry name of the model being made (for the card).</summary>
    public required string ModelName { get; init; }

    /// <summary>The base encoder package (output last_hidden_state).</summary>
    public required ModelPackage BasePackage { get; init; }

    /// <summary>How the lineage names the base, e.g. "minilm@1".</summary>
    public required string BaseReference { get; init; }

    /// <summary>Train, validation and test data.</summary>
    public required DatasetSplits Data { get; init; }

    /// <summary>Settings.</summary>
    public HeadTrainingOptions Options { get; init; } = new();

    /// <summary>The slice field whose values <see cref="Data"/>'s examples carry, for per-slice test metrics; null for none.</summary>
    public string? SliceField { get; init; }

    /// <summary>Seed the splits were drawn with (recorded in the lineage), if they were drawn.</summary>
    public int? SplitSeed { get; init; }

    /// <summary>The training run, if any (lineage run_id).</summary>
    public string? RunId { get; init; }

    /// <summary>How the run settled its hyperparameters (<see cref="Options"/> holds the values), for the lineage and the card; null outside a run.</summary>
    public IReadOnlyDictionary<string, HyperparameterChoice>? Choices { get; init; }

    /// <summary>The validation metric the decision is calibrated for (the gate's): accuracy or macro_f1.</summary>
    public string SelectionMetric { get; init; } = TrainingGate.MacroF1Metric;
}
