using System.Text.Json.Nodes;

namespace Serverless.Training.HeadOnly;

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
