using System.Text.Json.Serialization;

namespace Serverless.Training;

/// <summary>
/// Where a training run stands. Full fine-tuning reports it after every step and after each epoch's validation; head-only
/// training reports it while it embeds the texts and while it fits the head.
/// </summary>
/// <param name="Epoch">The current epoch, 1-based; 0 in the head phase.</param>
/// <param name="Epochs">The number of epochs planned; 0 in the head phase.</param>
/// <param name="Step">
/// Optimisation steps done so far, over all epochs; in the head phase the work done in <see cref="Stage"/> (texts embedded,
/// or fitting epochs over every L2 candidate).
/// </param>
/// <param name="Steps">Optimisation steps planned over all epochs; in the head phase the work planned in <see cref="Stage"/>.</param>
/// <param name="Loss">Mean training loss of the current epoch so far; 0 in the head phase.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation split after the latest finished epoch.</param>
/// <param name="ValidationMacroF1">Macro-F1 on the validation split after the latest finished epoch.</param>
public sealed record FineTuningProgress(
    int Epoch,
    int Epochs,
    int Step,
    int Steps,
    double Loss,
    double? ValidationAccuracy = null,
    double? ValidationMacroF1 = null)
{
    /// <summary>The phase of full fine-tuning (TorchSharp).</summary>
    public const string FullPhase = "full";

    /// <summary>The phase of head-only training (frozen embeddings).</summary>
    public const string HeadPhase = "head";

    /// <summary><see cref="FullPhase"/> (the default, as before this field existed) or <see cref="HeadPhase"/>.</summary>
    public string Phase { get; init; } = FullPhase;

    /// <summary>What the head phase is doing ("embedding", "fitting", "packaging", "verifying"); absent in the full phase.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Stage { get; init; }

    /// <summary>Overall share of the head phase done, 0–100; absent in the full phase.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Percent { get; init; }

    /// <summary>The learning-rate trial of full fine-tuning under way, 1-based; absent in the head phase.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Trial { get; init; }

    /// <summary>The learning-rate trials planned; absent in the head phase.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Trials { get; init; }

    /// <summary>The peak learning rate of <see cref="Trial"/>; absent in the head phase.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LearningRate { get; init; }

    /// <summary>
    /// Estimated seconds until training ends (every phase and trial still planned; early stopping may end it sooner), from
    /// the pace so far; absent until there is a pace to go by.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? SecondsLeft { get; init; }
}
