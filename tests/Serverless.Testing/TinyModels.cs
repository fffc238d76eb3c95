using Onnx;
using Serverless.Onnx;
using Serverless.Packages;

namespace Serverless.Testing;

/// <summary>
/// Real model packages (ONNX + tokenizer files + config + manifest, written by <see cref="ModelPackageWriter"/>) small
/// enough for unit tests: a tiny random BERT classifier, a tiny base encoder, and a keyword classifier whose labels are
/// predictable.
/// </summary>
public static class TinyModels
{
    /// <summary>Words that make the keyword classifier answer "spam".</summary>
    public static IReadOnlyList<string> SpamKeywords { get; } = ["free", "winner", "viagra", "money", "click", "prize", "cash", "offer"];

    /// <summary>
    /// The vocabulary of every tiny model: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4, then punctuation, ordinary words
    /// and the spam keywords. Words outside it tokenize to [UNK].
    /// </summary>
    public static IReadOnlyList<string> Vocabulary { get; } =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "?",
        "the", "a", "is", "this", "to", "and", "of", "you", "for", "it", "in", "on", "i", "we",
        "hello", "world", "good", "bad", "great", "movie", "meeting", "tomorrow", "lunch", "report", "team", "project",
        "please", "thanks", "see", "now", "here", "##s",
        .. SpamKeywords,
    ];

    /// <summary>Labels of the keyword classifier, in logit order.</summary>
    /// <summary>
    /// A separable toy task over <see cref="Vocabulary"/>: balanced examples of 4-9 ordinary words; the "spam" ones hold one
    /// of <see cref="SpamKeywords"/> at a random place, the "ham" ones none.
    /// </summary>
    public static List<(string Text, string Label)> KeywordExamples(int count, int seed)
    {
        string[] ordinary =
            ["the", "a", "is", "this", "to", "and", "of", "you", "for", "it", "hello", "world", "good", "great", "movie", "meeting", "tomorrow", "lunch", "report", "team", "project", "please", "thanks", "see"];
        var random = new Random(seed);
        var examples = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var words = Enumerable.Range(0, random.Next(4, 10)).Select(_ => ordinary[random.Next(ordinary.Length)]).ToList();
            var spam = i % 2 == 1;
            if (spam)
            {
                words.Insert(random.Next(words.Count + 1), SpamKeywords[random.Next(SpamKeywords.Count)]);
            }

            examples.Add((string.Join(' ', words), spam ? "spam" : "ham"));
        }

        return examples;
    }

    public static IReadOnlyList<string> KeywordLabels { get; } = ["ham", "spam"];

    /// <summary>Id of a vocabulary token (for building input ids by hand).</summary>
    public static int IdOf(string token)
    {
        var id = Vocabulary.ToList().IndexOf(token);
        return id >= 0 ? id : 1;
    }

    /// <summary>The config of the tiny random BERT (hidden 16, 2 layers, 2 heads, FFN 32) without labels.</summary>
    public static ModelConfig EncoderConfig(int maxPositions = 64) => new()
    {
        Architectures = [ModelConfig.BaseEncoderArchitecture],
        VocabSize = Vocabulary.Count,
        HiddenSize = 16,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        IntermediateSize = 32,
        MaxPositionEmbeddings = maxPositions,
        TypeVocabSize = 2,
        LayerNormEps = 1e-12,
    };

    /// <summary>Random BERT weights for <paramref name="config"/> (plus a head for <paramref name="labels"/> &gt; 0).</summary>
    public static BertWeights RandomWeights(ModelConfig config, int labels, int seed)
    {
        var random = new Random(seed);
        var weights = new BertWeights();
        foreach (var (name, shape) in BertWeights.Expected(config, labels))
        {
            var data = new float[shape.Aggregate(1, (a, d) => a * d)];
            var isLayerNormWeight = name.EndsWith("LayerNorm.weight", StringComparison.Ordinal);
            var scale = name.EndsWith(".bias", StringComparison.Ordinal) ? 0.1f : isLayerNormWeight ? 0.2f : 0.4f;
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (isLayerNormWeight ? 1f : 0f) + scale * (float)(random.NextDouble() * 2 - 1);
            }

            weights.Set(name, data, shape);
        }

        return weights;
    }

    /// <summary>
    /// Writes a tiny random BERT classifier package (hidden 16, 2 layers, 2 heads, the tiny vocabulary).
    /// </summary>
    /// <returns>The package directory.</returns>
    public static string WriteClassifierPackage(string directory, IReadOnlyList<string>? labels = null,
        string problemType = ModelConfig.SingleLabel, int seed = 1, int maxLength = 32, string pooling = ClassifierHead.Cls)
    {
        labels ??= ["negative", "positive"];
        var config = EncoderConfig(Math.Max(64, maxLength)).WithLabels(labels, problemType) with { Pooling = pooling };
        var model = BertOnnxWriter.Write(config, RandomWeights(config, labels.Count, seed));
        return Write(directory, model, config, maxLength, "tiny random BERT classifier");
    }

    /// <summary>
    /// Writes a tiny random BERT base-encoder package (output last_hidden_state, no labels); <paramref name="edit"/> may
    /// change the weights first.
    /// </summary>
    /// <returns>The package directory.</returns>
    public static string WriteBaseEncoderPackage(string directory, int seed = 1, int maxLength = 32, Action<BertWeights>? edit = null)
    {
        var config = EncoderConfig(Math.Max(64, maxLength));
        var weights = RandomWeights(config, 0, seed);
        edit?.Invoke(weights);
        var model = BertOnnxWriter.Write(config, weights);
        return Write(directory, model, config, maxLength, "tiny random BERT encoder");
    }

    /// <summary>
    /// Writes a "ham"/"spam" classifier whose answer follows <see cref="SpamKeywords"/>: the attention-masked mean of
    /// per-token scores, where a keyword weighs ten times an ordinary token. One keyword among up to ~10 tokens makes
    /// "spam" win clearly; texts without keywords are "ham" with a score near 0.95.
    /// </summary>
    /// <param name="directory">Where to write the package.</param>
    /// <param name="maxLength">The tokenizer's maximum length.</param>
    /// <param name="headBias">The head's bias per label ([0, 0] unless given): a NaN or infinity makes a broken model.</param>
    /// <returns>The package directory.</returns>
    public static string WriteKeywordClassifierPackage(string directory, int maxLength = 64, float[]? headBias = null)
    {
        return Write(directory, KeywordModel(headBias), KeywordConfig(maxLength), maxLength, "keyword spam classifier");
    }

    /// <summary>
    /// Writes the keyword classifier as a fixed-shape export would: with <paramref name="fixedInputs"/>, its inputs declare
    /// [1, <paramref name="sequence"/>]; without, they stay dynamic but the graph reshapes its hidden states to that fixed
    /// shape, so it loads and fails when run on any other batch.
    /// </summary>
    /// <returns>The package directory.</returns>
    public static string WriteFixedShapeClassifierPackage(string directory, bool fixedInputs, int sequence = 8)
    {
        return Write(directory, KeywordModel(headBias: null, fixedInputs ? [1, sequence] : null, fixedInputs ? null : [1, sequence, 2]),
            KeywordConfig(32), 32, "fixed-shape keyword classifier");
    }

    /// <summary>
    /// Writes the keyword classifier with a third hidden unit that is always 0 but weighs 1000 in the head: fp32 answers as
    /// the keyword classifier does, while int8 weights quantized per output column round the real head weights (1) to 0, so
    /// the int8 variant answers "ham" for everything and fails any accuracy or agreement gate.
    /// </summary>
    /// <returns>The package directory.</returns>
    public static string WriteInt8FragileClassifierPackage(string directory)
    {
        var model = KeywordModel(headBias: null, inputShape: null, reshapeHiddenTo: null, fragileUnderInt8: true);
        return Write(directory, model, KeywordConfig(64) with { HiddenSize = 3 }, 64, "int8-fragile keyword classifier");
    }

    /// <summary>The keyword classifier's ONNX graph, with the head's bias per label ([0, 0] unless given).</summary>
    public static byte[] KeywordModel(float[]? headBias = null) => KeywordModel(headBias, inputShape: null, reshapeHiddenTo: null);

    private static byte[] KeywordModel(float[]? headBias, long[]? inputShape, long[]? reshapeHiddenTo, bool fragileUnderInt8 = false)
    {
        // Embedding columns: [ham evidence, spam evidence] (+ an always-zero unit); padding rows are masked out by the mean anyway.
        var width = fragileUnderInt8 ? 3 : 2;
        var embeddings = new float[Vocabulary.Count * width];
        for (var id = 0; id < Vocabulary.Count; id++)
        {
            var spam = SpamKeywords.Contains(Vocabulary[id]);
            embeddings[id * width] = spam ? 0f : 3f;
            embeddings[id * width + 1] = spam ? 30f : 0f;
        }

        var b = OnnxGraphBuilder.Create(BertOnnxWriter.Opset, graphName: "keywords");
        foreach (var input in BertOnnxWriter.InputNames)
        {
            if (inputShape is null)
            {
                b.AddInput(input, TensorProto.Types.DataType.Int64, "batch", "sequence");
            }
            else
            {
                b.AddInput(input, TensorProto.Types.DataType.Int64, [.. inputShape.Select(d => (OnnxDim)d)]);
            }
        }

        var tokens = b.Node("Gather", [b.AddInitializer("embeddings.word_embeddings.weight", embeddings, Vocabulary.Count, width), "input_ids"]);
        var types = b.Node("Gather", [b.AddInitializer("embeddings.token_type_embeddings.weight", new float[2 * width], 2, width), "token_type_ids"]);
        var hidden = b.Node("Add", [tokens, types]);
        if (reshapeHiddenTo is not null)
        {
            hidden = b.Node("Reshape", [hidden, b.Int64s(reshapeHiddenTo)]);
        }
        b.AddNode("Identity", [hidden], [ClassifierHead.HiddenStateName]);
        b.AddOutput(ClassifierHead.HiddenStateName, TensorProto.Types.DataType.Float, "batch", "sequence", width);
        float[] weight = fragileUnderInt8 ? [1f, 0f, 1000f, 0f, 1f, 1000f] : [1f, 0f, 0f, 1f];
        return ClassifierHead.Append(b.ToBytes(), ClassifierHead.Mean, weight, bias: headBias ?? [0f, 0f], labels: 2);
    }

    /// <summary>The keyword classifier's config: two hidden units, no layers, mean pooling, ham/spam.</summary>
    private static ModelConfig KeywordConfig(int maxLength) => new ModelConfig
    {
        VocabSize = Vocabulary.Count,
        HiddenSize = 2,
        NumHiddenLayers = 0,
        NumAttentionHeads = 1,
        IntermediateSize = 0,
        MaxPositionEmbeddings = Math.Max(64, maxLength),
        Pooling = ClassifierHead.Mean,
    }.WithLabels(KeywordLabels);

    private static string Write(string directory, byte[] model, ModelConfig config, int maxLength, string description)
    {
        ModelPackageWriter.Write(directory, new ModelPackageContent
        {
            Model = model,
            Vocab = Vocabulary,
            TokenizerConfig = new TokenizerConfig { DoLowerCase = true, ModelMaxLength = maxLength },
            Config = config,
            Lineage = new Lineage { Base = description, TrainingMode = "test" },
        });
        return directory;
    }
}
