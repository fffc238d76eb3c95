using Serverless.Inference.Tokenization;
using Serverless.Packages;
using Serverless.Testing;
using Serverless.Training.FineTuning;

namespace Serverless.Training.Tests.FineTuning;

/// <summary>A separable toy task over the tiny models' vocabulary: a text is "spam" when it holds a spam keyword.</summary>
internal static class ToyTask
{
    public static IReadOnlyList<string> Labels { get; } = ["ham", "spam"];

    public static BertTextTokenizer Tokenizer { get; } = BertTextTokenizer.Create(TinyModels.Vocabulary, new TokenizerConfig());

    /// <summary>Balanced examples; spam ones hold one keyword at a random place.</summary>
    public static List<(string Text, string Label)> Examples(int count, int seed) => TinyModels.KeywordExamples(count, seed);

    public static EncodedSplit Split(int count, int seed) => EncodedSplit.Create(Tokenizer, Examples(count, seed), Labels, 32);

    public static TrainingHyperparameters Hyperparameters(int epochs = 6) => new()
    {
        Epochs = epochs,
        LearningRate = 1e-2,
        BatchSize = 16,
        MaxLength = 32,
        WarmupRatio = 0.1,
        Seed = 7,
        EarlyStoppingPatience = 0,
        Pooling = BertClassifier.MeanPooling,
    };

    /// <summary>A tiny BERT (hidden 16, 2 layers) initialised as Hugging Face initialises one, seeded.</summary>
    public static BertClassifier Model(int seed = 1) =>
        new(TinyModels.EncoderConfig(), Labels.Count, BertClassifier.MeanPooling, seed);
}
