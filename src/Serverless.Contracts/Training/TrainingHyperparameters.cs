using Serverless.Errors;

namespace Serverless.Training;

/// <summary>Hyperparameters of a training run (the "hyperparameters" object of the job).</summary>
public sealed record TrainingHyperparameters
{
    /// <summary>Full fine-tuning of encoder and head.</summary>
    public const string FullMode = "full";

    /// <summary>Head-only training on frozen embeddings.</summary>
    public const string HeadMode = "head";

    /// <summary>Head-only first (the baseline), then full fine-tuning; the better on the validation split is kept.</summary>
    public const string AutoMode = "auto";

    /// <summary>The peak learning rate full fine-tuning tries first when the request leaves it null.</summary>
    public const double DefaultLearningRate = 5e-5;

    /// <summary>Mean of the token embeddings (attention-masked) feeds the head.</summary>
    public const string MeanPooling = "mean";

    /// <summary>The [CLS] token's embedding feeds the head.</summary>
    public const string ClsPooling = "cls";

    /// <summary>
    /// "auto" (the default: head-only, then full fine-tuning, keeping the better on validation), "full" (fine-tune encoder
    /// and head) or "head" (head only, on frozen embeddings).
    /// </summary>
    public string Mode { get; init; } = AutoMode;

    /// <summary>Maximum number of passes over the training data (early stopping may end sooner).</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>
    /// Peak learning rate of AdamW, reached after warmup. Null (the default): full fine-tuning tries <see cref="Trials"/>
    /// rates and keeps the best on the validation split.
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>
    /// How many learning rates full fine-tuning tries when <see cref="LearningRate"/> is null. Null (the default): one on a
    /// CPU, four on CUDA.
    /// </summary>
    public int? Trials { get; init; }

    /// <summary>Examples per optimisation step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>
    /// Tokens per text, [CLS] and [SEP] included; never above the base model's maximum. Null (the default): the run chooses
    /// the length that covers about 95 % of the training texts, at most 256 when it trains on a CPU.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>Share of the steps over which the learning rate rises linearly from zero; it then decays linearly to zero.</summary>
    public double WarmupRatio { get; init; } = 0.1;

    /// <summary>Seed of every random source: weight initialisation, dropout, data order, splits.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>AdamW weight decay, applied to weights but not to biases or LayerNorm parameters.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Gradients are clipped to this global L2 norm.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Dropout of the encoder and head; null keeps the base model's (hidden_dropout_prob).</summary>
    public double? Dropout { get; init; }

    /// <summary>Pooling of the classification head: "mean" (default; suits sentence encoders such as MiniLM) or "cls".</summary>
    public string Pooling { get; init; } = MeanPooling;

    /// <summary>
    /// Weight the loss by inverse class frequency (for imbalanced data). Null (the default): weighted when the largest class
    /// of the training split has at least 3× the examples of the smallest.
    /// </summary>
    public bool? ClassWeights { get; init; }

    /// <summary>Stop after this many epochs without a better validation macro-F1 (0 disables early stopping).</summary>
    public int EarlyStoppingPatience { get; init; } = 2;

    /// <summary>Also checkpoint every this many steps within an epoch (0: only at the end of each epoch).</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>Checks ranges, throwing <see cref="InvalidRequestException"/> naming the field.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new InvalidRequestException(message);
            }
        }

        Require(Mode is AutoMode or FullMode or HeadMode, $"hyperparameters.mode must be \"{AutoMode}\", \"{FullMode}\" or \"{HeadMode}\", not \"{CallerInput.Excerpt(Mode)}\".");
        Require(Epochs is >= 1 and <= 100, $"hyperparameters.epochs must be 1-100, not {Epochs}.");
        Require(LearningRate is null or (> 0 and < 1), $"hyperparameters.learningRate must be in (0, 1) (or null to choose it on the validation split), not {LearningRate}.");
        Require(Trials is null or (>= 1 and <= 8), $"hyperparameters.trials must be 1-8 (or null: 1 on a CPU, 4 on CUDA), not {Trials}.");
        Require(BatchSize is >= 1 and <= 1024, $"hyperparameters.batchSize must be 1-1024, not {BatchSize}.");
        Require(MaxLength is null or (>= 8 and <= 8192), $"hyperparameters.maxLength must be 8-8192 (or null to choose it from the data), not {MaxLength}.");
        Require(WarmupRatio is >= 0 and < 1, $"hyperparameters.warmupRatio must be in [0, 1), not {WarmupRatio}.");
        Require(WeightDecay is >= 0 and < 1, $"hyperparameters.weightDecay must be in [0, 1), not {WeightDecay}.");
        Require(MaxGradNorm > 0, $"hyperparameters.maxGradNorm must be positive, not {MaxGradNorm}.");
        Require(Dropout is null or (>= 0 and < 1), $"hyperparameters.dropout must be in [0, 1), not {Dropout}.");
        Require(Pooling is MeanPooling or ClsPooling, $"hyperparameters.pooling must be \"mean\" or \"cls\", not \"{Pooling}\".");
        Require(EarlyStoppingPatience >= 0, $"hyperparameters.earlyStoppingPatience must be 0 or more, not {EarlyStoppingPatience}.");
        Require(CheckpointEverySteps >= 0, $"hyperparameters.checkpointEverySteps must be 0 or more, not {CheckpointEverySteps}.");
    }
}
