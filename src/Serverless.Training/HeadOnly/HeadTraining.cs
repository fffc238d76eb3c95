using System.Globalization;
using System.Text.Json.Nodes;

using Serverless.Packages;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.HeadOnly;

/// <summary>Where a training run is: a stage name, the overall percent done (0–100), and a short human detail.</summary>
/// <param name="Stage">What the run is doing.</param>
/// <param name="Percent">Overall share done, 0–100.</param>
/// <param name="Detail">A short line for people.</param>
/// <param name="Done">Work done in this stage (texts embedded, fitting epochs), when the stage counts its work.</param>
/// <param name="Total">Work planned in this stage, when the stage counts its work.</param>
public sealed record TrainingProgress(string Stage, double Percent, string Detail, int? Done = null, int? Total = null);

/// <summary>Settings of head-only training. The defaults give a good model on typical English text classification.</summary>
public sealed record HeadTrainingOptions
{
    /// <summary>Longest input in tokens, for training and (as the package's model_max_length) for serving.</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Texts per encoder run when computing embeddings.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>L2 penalties tried; the best on validation macro-F1 wins.</summary>
    public IReadOnlyList<double> L2Candidates { get; init; } = [1e-4, 1e-3, 1e-2, 1e-1];

    /// <summary>Full-batch optimization epochs per penalty.</summary>
    public int Epochs { get; init; } = 300;

    /// <summary>Peak Adam step size (cosine decay).</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>Weigh classes inversely to their frequency in the loss (for imbalanced data).</summary>
    public bool BalanceClasses { get; init; }

    /// <summary>ONNX Runtime intra-op threads for the embeddings; 0 means one per core.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (MaxLength < 2 || BatchSize < 1 || Epochs < 1 || LearningRate <= 0 || L2Candidates.Count == 0 || L2Candidates.Any(l => l < 0) || IntraOpThreads < 0)
        {
            throw new ArgumentException(
                "Head training options are invalid: maxLength ≥ 2, batchSize ≥ 1, epochs ≥ 1, learningRate > 0, at least one L2 candidate ≥ 0, intraOpThreads ≥ 0.");
        }
    }

    /// <summary>The hyperparameters as recorded in the lineage and the card.</summary>
    public JsonObject ToJson() => new()
    {
        ["mode"] = "head",
        ["max_length"] = MaxLength,
        ["pooling"] = "mean",
        ["batch_size"] = BatchSize,
        ["epochs"] = Epochs,
        ["learning_rate"] = LearningRate,
        ["l2_candidates"] = new JsonArray(L2Candidates.Select(l => (JsonNode?)l).ToArray()),
        ["balance_classes"] = BalanceClasses,
    };
}

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

/// <summary>What head-only training produced.</summary>
/// <param name="PackageDirectory">The written classifier package.</param>
/// <param name="Manifest">Its manifest (metrics, lineage).</param>
/// <param name="Test">Metrics of the fitted head on the test split.</param>
/// <param name="Validation">Metrics of the fitted head on the validation split.</param>
/// <param name="L2">The penalty chosen on validation.</param>
/// <param name="Parity">How the written package, run by the serving engine, agrees with the fitted head on the test split.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
public sealed record HeadTrainingResult(
    string PackageDirectory,
    Manifest Manifest,
    ClassificationReport Test,
    ClassificationReport Validation,
    double L2,
    ParityReport Parity,
    TimeSpan Elapsed)
{
    /// <summary>Metrics on the validation split before the decision calibration.</summary>
    public required ClassificationReport UncalibratedValidation { get; init; }

    /// <summary>The package's lineage.</summary>
    public required Lineage Lineage { get; init; }

    /// <summary>What the package's card shows.</summary>
    public required Cards.ModelCardContent Card { get; init; }
}
