using Onnx;
using Serverless.Errors;
using Serverless.Packages;

namespace Serverless.Onnx;

/// <summary>
/// Reads the parameters of a BERT encoder exported from PyTorch (e.g. all-MiniLM-L6-v2), or written by
/// <see cref="BertOnnxWriter"/>, under their Hugging Face names, with Linear weights as [out, in].
/// </summary>
public static class OnnxBertWeightsReader
{
    /// <summary>The suffix of a Linear weight the writer stores transposed, [in, out].</summary>
    internal const string TransposedWeight = ".weight_t";

    /// <summary>The suffix of the writer's MultiHeadAttention bias: Q, K and V biases concatenated.</summary>
    internal const string FusedQkvBias = "qkv_bias";

    private static readonly string[] _prefixes = ["embeddings.", "encoder.layer.", "pooler.", "classifier."];

    /// <summary>Reads the weights of the BERT ONNX model at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidModelPackageException">The graph is not a BERT encoder whose weights can be named.</exception>
    public static BertWeights Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    /// <summary>Reads the weights of a BERT ONNX model.</summary>
    /// <exception cref="InvalidModelPackageException">The graph is not a BERT encoder whose weights can be named.</exception>
    public static BertWeights Read(Stream stream)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidModelPackageException($"The file is not a readable ONNX model: {e.Message}");
        }

        var weights = Read(model.Graph);
        var config = ConfigOf(weights);
        if (config.NumHiddenLayers == 0)
        {
            throw new InvalidModelPackageException(
                "The ONNX graph has no encoder layers: no MatMul + Add whose bias is 'encoder.layer.0.attention.self.query.bias'. " +
                "Only BERT encoders exported with Hugging Face parameter names can be read.");
        }

        weights.Validate(config, weights.TryGet("classifier.weight", out var head) ? head.Shape[0] : 0);
        return weights;
    }

    /// <summary>
    /// The config.json dims the weights imply (vocab, hidden, layers, intermediate, positions, token types), over
    /// <paramref name="template"/>, whose heads and epsilon are kept because the weights do not show them.
    /// </summary>
    public static ModelConfig ConfigOf(BertWeights weights, ModelConfig? template = null) =>
        weights.InferConfig(template ?? new ModelConfig { Architectures = [ModelConfig.BaseEncoderArchitecture], NumAttentionHeads = 1 });

    private static BertWeights Read(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var weights = new BertWeights();
        var matMulWeights = new HashSet<string>(StringComparer.Ordinal);

        // A Linear becomes MatMul(x, Wᵀ) + b: its weight is named after the bias of the Add that takes the MatMul's output,
        // or, where a fused operator adds the bias (BertFusions), after its own name ("{name}.weight_t", as the writer writes it).
        var consumers = graph.Node.SelectMany(n => n.Input.Select(input => (input, node: n))).ToLookup(x => x.input, x => x.node);
        foreach (var matMul in graph.Node.Where(n => n.OpType == "MatMul" && n.Input.Count == 2 && initializers.ContainsKey(n.Input[1])))
        {
            var bias = consumers[matMul.Output[0]]
                .Where(n => n.OpType == "Add")
                .SelectMany(n => n.Input)
                .Select(HuggingFaceName)
                .FirstOrDefault(name => name is not null && name.EndsWith(".bias", StringComparison.Ordinal));
            var tensor = initializers[matMul.Input[1]];
            var transposed = HuggingFaceName(tensor.Name) is { } own && own.EndsWith(TransposedWeight, StringComparison.Ordinal) ? own : null;
            if (bias is null && transposed is null)
            {
                continue;
            }

            var name = bias is not null ? bias[..^".bias".Length] + ".weight" : transposed![..^TransposedWeight.Length] + ".weight";
            if (tensor.Dims.Count != 2)
            {
                throw new InvalidModelPackageException($"The MatMul weight of '{name}' ({tensor.Name}) has {tensor.Dims.Count} dims; a Linear weight has 2.");
            }

            var stored = new WeightTensor(OnnxGraphBuilder.ToFloats(tensor), [(int)tensor.Dims[0], (int)tensor.Dims[1]]);
            var (data, shape) = stored.Transpose();
            weights.Set(name, data, shape);
            matMulWeights.Add(tensor.Name);
        }

        foreach (var tensor in graph.Initializer)
        {
            if (matMulWeights.Contains(tensor.Name) || HuggingFaceName(tensor.Name) is not { } name ||
                tensor.DataType != (int)TensorProto.Types.DataType.Float || weights.Contains(name))
            {
                continue;
            }

            var values = OnnxGraphBuilder.ToFloats(tensor);
            if (name.EndsWith(FusedQkvBias, StringComparison.Ordinal) && values.Length % 3 == 0)
            {
                // MultiHeadAttention's bias input: the query, key and value biases one after another.
                var layer = name[..^FusedQkvBias.Length];
                var width = values.Length / 3;
                string[] parts = ["query", "key", "value"];
                for (var i = 0; i < parts.Length; i++)
                {
                    weights.Set($"{layer}{parts[i]}.bias", values.AsSpan(i * width, width).ToArray(), [width]);
                }
            }
            else
            {
                weights.Set(name, values, [.. tensor.Dims.Select(d => (int)d)]);
            }
        }

        if (!weights.Contains("embeddings.word_embeddings.weight"))
        {
            throw new InvalidModelPackageException(
                "The ONNX graph has no initializer 'embeddings.word_embeddings.weight': it is not a BERT encoder exported with " +
                "Hugging Face parameter names. Export it from PyTorch with named parameters (e.g. optimum or torch.onnx.export).");
        }

        return weights;
    }

    /// <summary>The Hugging Face name of an initializer, without a leading "bert."; null for other names.</summary>
    private static string? HuggingFaceName(string name)
    {
        var trimmed = name.StartsWith("bert.", StringComparison.Ordinal) ? name["bert.".Length..] : name;
        return _prefixes.Any(p => trimmed.StartsWith(p, StringComparison.Ordinal)) ? trimmed : null;
    }
}
