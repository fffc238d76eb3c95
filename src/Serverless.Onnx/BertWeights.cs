using System.Globalization;
using Serverless.Errors;
using Serverless.Packages;

namespace Serverless.Onnx;

/// <summary>
/// The parameters of a BERT-family encoder (and optional classification head) under their Hugging Face names,
/// e.g. "encoder.layer.0.attention.self.query.weight". Not thread-safe for writes.
/// </summary>
public sealed class BertWeights
{
    private readonly Dictionary<string, WeightTensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>Names of every parameter held.</summary>
    public IReadOnlyCollection<string> Names => _tensors.Keys;

    /// <summary>Gets a parameter by name.</summary>
    /// <exception cref="InvalidModelPackageException">The parameter is missing.</exception>
    public WeightTensor this[string name] => _tensors.TryGetValue(name, out var tensor)
        ? tensor
        : throw new InvalidModelPackageException($"The BERT weights have no '{name}'.");

    /// <summary>Adds or replaces a parameter.</summary>
    public BertWeights Set(string name, float[] data, params int[] shape)
    {
        var count = shape.Aggregate(1L, (a, d) => a * d);
        if (count != data.Length)
        {
            throw new ArgumentException($"'{name}' has {data.Length} values but shape {WeightTensor.FormatShape(shape)} needs {count}.", nameof(data));
        }

        _tensors[name] = new WeightTensor(data, shape);
        return this;
    }

    /// <summary>Gets a parameter if present.</summary>
    public bool TryGet(string name, out WeightTensor tensor) => _tensors.TryGetValue(name, out tensor);

    /// <summary>Whether a parameter is present.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Name of a per-layer parameter, e.g. Layer(0, "attention.self.query.weight").</summary>
    public static string Layer(int layer, string suffix) => string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{layer}.{suffix}");

    /// <summary>
    /// Every parameter the encoder of <paramref name="config"/> needs with its shape, plus classifier.weight/bias when
    /// <paramref name="labels"/> is above zero.
    /// </summary>
    public static IReadOnlyList<(string Name, int[] Shape)> Expected(ModelConfig config, int labels = 0)
    {
        int hidden = config.HiddenSize, intermediate = config.IntermediateSize;
        var expected = new List<(string, int[])>
        {
            ("embeddings.word_embeddings.weight", [config.VocabSize, hidden]),
            ("embeddings.position_embeddings.weight", [config.MaxPositionEmbeddings, hidden]),
            ("embeddings.token_type_embeddings.weight", [config.TypeVocabSize, hidden]),
            ("embeddings.LayerNorm.weight", [hidden]),
            ("embeddings.LayerNorm.bias", [hidden]),
        };
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            foreach (var projection in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                expected.Add((Layer(i, projection + ".weight"), [hidden, hidden]));
                expected.Add((Layer(i, projection + ".bias"), [hidden]));
            }

            expected.Add((Layer(i, "attention.output.LayerNorm.weight"), [hidden]));
            expected.Add((Layer(i, "attention.output.LayerNorm.bias"), [hidden]));
            expected.Add((Layer(i, "intermediate.dense.weight"), [intermediate, hidden]));
            expected.Add((Layer(i, "intermediate.dense.bias"), [intermediate]));
            expected.Add((Layer(i, "output.dense.weight"), [hidden, intermediate]));
            expected.Add((Layer(i, "output.dense.bias"), [hidden]));
            expected.Add((Layer(i, "output.LayerNorm.weight"), [hidden]));
            expected.Add((Layer(i, "output.LayerNorm.bias"), [hidden]));
        }

        if (labels > 0)
        {
            expected.Add(("classifier.weight", [labels, hidden]));
            expected.Add(("classifier.bias", [labels]));
        }

        return expected;
    }

    /// <summary>Checks that every parameter <paramref name="config"/> needs is present with the right shape.</summary>
    /// <exception cref="InvalidModelPackageException">A parameter is missing or has the wrong shape; the message lists them all.</exception>
    public void Validate(ModelConfig config, int labels = 0)
    {
        if (config.HiddenSize <= 0 || config.NumAttentionHeads <= 0 || config.HiddenSize % config.NumAttentionHeads != 0 ||
            config.NumHiddenLayers <= 0 || config.IntermediateSize <= 0 || config.VocabSize <= 0 || config.TypeVocabSize <= 0)
        {
            throw new InvalidModelPackageException(
                $"config.json dims are invalid (hidden_size {config.HiddenSize}, num_attention_heads {config.NumAttentionHeads}, " +
                $"num_hidden_layers {config.NumHiddenLayers}, intermediate_size {config.IntermediateSize}, vocab_size {config.VocabSize}, " +
                $"type_vocab_size {config.TypeVocabSize}): all must be positive and hidden_size divisible by num_attention_heads.");
        }

        var problems = new List<string>();
        foreach (var (name, shape) in Expected(config, labels))
        {
            if (!_tensors.TryGetValue(name, out var tensor))
            {
                problems.Add($"'{name}' is missing (expected {WeightTensor.FormatShape(shape)})");
            }
            else if (!tensor.Shape.SequenceEqual(shape))
            {
                problems.Add($"'{name}' has shape {tensor.ShapeText}, expected {WeightTensor.FormatShape(shape)}");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidModelPackageException(
                $"The BERT weights do not fit config.json (hidden {config.HiddenSize}, {config.NumHiddenLayers} layers, " +
                $"intermediate {config.IntermediateSize}, vocab {config.VocabSize}{(labels > 0 ? $", {labels} labels" : "")}): " +
                string.Join("; ", problems.Take(10)) + (problems.Count > 10 ? $"; and {problems.Count - 10} more" : "") + ".");
        }
    }

    /// <summary>
    /// The dims of config.json these weights imply (vocab, hidden, layers, intermediate, positions, token types),
    /// taken over <paramref name="template"/>; heads and epsilon cannot be read off the weights and stay as given.
    /// </summary>
    public ModelConfig InferConfig(ModelConfig template)
    {
        var layers = 0;
        while (Contains(Layer(layers, "attention.self.query.weight")))
        {
            layers++;
        }

        int Dim(string name, int axis, int fallback) => TryGet(name, out var tensor) && tensor.Shape.Length > axis ? tensor.Shape[axis] : fallback;
        return template with
        {
            VocabSize = Dim("embeddings.word_embeddings.weight", 0, template.VocabSize),
            HiddenSize = Dim("embeddings.word_embeddings.weight", 1, template.HiddenSize),
            NumHiddenLayers = layers,
            IntermediateSize = Dim(Layer(0, "intermediate.dense.weight"), 0, template.IntermediateSize),
            MaxPositionEmbeddings = Dim("embeddings.position_embeddings.weight", 0, template.MaxPositionEmbeddings),
            TypeVocabSize = Dim("embeddings.token_type_embeddings.weight", 0, template.TypeVocabSize),
        };
    }
}
