using Serverless.Inference.Tokenization;
using Serverless.Packages;
using Serverless.Training.Data;

namespace Serverless.Training.Choices;

/// <summary>
/// The hyperparameters a run settles before it trains, from the request or, where the request leaves them null, from
/// the training split: the maximum length (<see cref="MaxLengthRule"/>), class weighting (<see cref="ClassWeightingRule"/>)
/// and the learning rates full fine-tuning tries (<see cref="LearningRateSearch"/>; the one kept is known after training).
/// </summary>
/// <param name="MaxLength">The maximum length and why.</param>
/// <param name="ClassWeights">Whether the classes are weighted and why.</param>
/// <param name="LearningRates">The learning rates full fine-tuning tries and why.</param>
public sealed record TrainingChoices(MaxLengthDecision MaxLength, ClassWeightingDecision ClassWeights, LearningRateDecision LearningRates)
{
    /// <summary>The learning rate full fine-tuning kept, once it has trained, with what the trials measured.</summary>
    public (double Rate, string Outcome)? KeptLearningRate { get; init; }

    /// <summary>Decides both for <paramref name="hyperparameters"/> on the training split of <paramref name="splits"/>.</summary>
    /// <param name="hyperparameters">The request's hyperparameters.</param>
    /// <param name="splits">The data; only the training split informs a choice.</param>
    /// <param name="basePackage">The base, whose tokenizer counts the tokens and whose limit caps the length.</param>
    /// <param name="onCpu">True when the run trains on a CPU.</param>
    public static TrainingChoices Decide(TrainingHyperparameters hyperparameters, DatasetSplits splits, ModelPackage basePackage, bool onCpu)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentNullException.ThrowIfNull(splits);
        ArgumentNullException.ThrowIfNull(basePackage);
        var maxLength = hyperparameters.MaxLength is { } given
            ? MaxLengthRule.Decide(given, [], basePackage.MaxLength, onCpu)
            : MaxLengthRule.Decide(null, MaxLengthRule.TokenLengths(BertTextTokenizer.Create(basePackage), splits.Train.Select(e => e.Text)), basePackage.MaxLength, onCpu);
        var labelIndex = splits.Labels.Select((label, index) => (label, index)).ToDictionary(x => x.label, x => x.index, StringComparer.Ordinal);
        var classWeights = ClassWeightingRule.Decide(hyperparameters.ClassWeights, splits.Train.Select(e => labelIndex[e.Label]).ToArray(), splits.Labels.Count);
        var learningRates = LearningRateSearch.Decide(hyperparameters.LearningRate, hyperparameters.Trials, onCpu);
        return new TrainingChoices(maxLength, classWeights, learningRates);
    }

    /// <summary>The hyperparameters with both settled, as the trainers use them and the lineage records them.</summary>
    public TrainingHyperparameters ApplyTo(TrainingHyperparameters hyperparameters)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        return hyperparameters with { MaxLength = MaxLength.MaxLength, ClassWeights = ClassWeights.Weighted };
    }

    /// <summary>
    /// The choices by request name, as status.json, the lineage and the card record them; the learning rate only when the
    /// run fine-tunes (<paramref name="fineTunes"/>), since head-only training does not use it.
    /// </summary>
    public IReadOnlyDictionary<string, HyperparameterChoice> ToDictionary(bool fineTunes = true)
    {
        var choices = new Dictionary<string, HyperparameterChoice>(StringComparer.Ordinal)
        {
            ["maxLength"] = MaxLength.ToChoice(),
            ["classWeights"] = ClassWeights.ToChoice(),
        };
        if (fineTunes)
        {
            choices["learningRate"] = LearningRates.ToChoice(KeptLearningRate?.Rate, KeptLearningRate?.Outcome);
        }

        return choices;
    }
}
