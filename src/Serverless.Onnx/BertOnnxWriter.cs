using Onnx;
using Serverless.Errors;
using Serverless.Packages;

namespace Serverless.Onnx;

/// <summary>
/// Writes a BERT-family encoder, with or without a classification head, as an ONNX opset 17 graph with dynamic batch and
/// sequence axes. Inputs: input_ids, attention_mask, token_type_ids (int64 [batch, sequence]). Output: "logits"
/// [batch, labels] when the config has labels, else "last_hidden_state" [batch, sequence, hidden].
/// </summary>
public static class BertOnnxWriter
{
    /// <summary>The opset the graphs use (LayerNormalization needs 17).</summary>
    public const int Opset = 17;

    /// <summary>Names of the graph inputs, in order.</summary>
    public static IReadOnlyList<string> InputNames { get; } = ["input_ids", "attention_mask", "token_type_ids"];

    /// <summary>Builds the graph and serializes it.</summary>
    /// <exception cref="InvalidModelPackageException">A weight is missing or ill-shaped, or the config is invalid.</exception>
    public static byte[] Write(ModelConfig config, BertWeights weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        var labels = config.LabelsInOrder().Count;
        weights.Validate(config, labels);
        if (labels > 0)
        {
            ClassifierHead.CheckPooling(config.Pooling ?? ClassifierHead.Cls);
        }

        var b = OnnxGraphBuilder.Create(Opset, graphName: "bert");
        foreach (var input in InputNames)
        {
            b.AddInput(input, TensorProto.Types.DataType.Int64, "batch", "sequence");
        }

        var hidden = Encoder(b, config, weights, "input_ids", "attention_mask", "token_type_ids");
        if (labels > 0)
        {
            var pooled = ClassifierHead.Pool(b, hidden, "attention_mask", config.Pooling ?? ClassifierHead.Cls);
            ClassifierHead.Linear(b, pooled, "classifier", weights["classifier.weight"], weights["classifier.bias"].Data, ClassifierHead.LogitsName);
            b.AddOutput(ClassifierHead.LogitsName, TensorProto.Types.DataType.Float, "batch", labels);
        }
        else
        {
            b.Node("Identity", [hidden], "last_hidden_state");
            b.AddOutput("last_hidden_state", TensorProto.Types.DataType.Float, "batch", "sequence", config.HiddenSize);
        }

        return b.ToBytes();
    }

    private static string Encoder(OnnxGraphBuilder b, ModelConfig config, BertWeights w, string inputIds, string mask, string tokenTypes)
    {
        var eps = (float)config.LayerNormEps;
        var word = b.Node("Gather", [Param(b, w, "embeddings.word_embeddings.weight"), inputIds]);
        var type = b.Node("Gather", [Param(b, w, "embeddings.token_type_embeddings.weight"), tokenTypes]);

        // Positions 0..sequence-1: the first rows of the position table.
        var sequence = b.Node("Shape", [inputIds], null, OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        var positions = b.Node("Slice", [Param(b, w, "embeddings.position_embeddings.weight"), b.Int64s(0), sequence, b.Int64s(0)]);
        var embeddings = b.Node("Add", [b.Node("Add", [word, type]), positions]);
        var x = LayerNorm(b, w, embeddings, "embeddings.LayerNorm", eps);

        // Additive mask [batch, 1, 1, sequence]: 0 where attended, the lowest float where padded (as Hugging Face does).
        var maskFloat = b.Node("Cast", [mask], null, OnnxAttribute.Int("to", (long)TensorProto.Types.DataType.Float));
        var inverted = b.Node("Sub", [b.Scalar(1f), b.Node("Unsqueeze", [maskFloat, b.Int64s(1, 2)])]);
        var additiveMask = b.Node("Mul", [inverted, b.Scalar(float.MinValue)]);

        int heads = config.NumAttentionHeads, headSize = config.HiddenSize / heads;
        var splitShape = b.Int64s(0, 0, heads, headSize);
        var mergeShape = b.Int64s(0, 0, config.HiddenSize);
        var scale = b.Scalar(1f / MathF.Sqrt(headSize));
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            string Heads(string name, params long[] perm) =>
                b.Node("Transpose", [b.Node("Reshape", [Linear(b, w, x, BertWeights.Layer(i, name)), splitShape])], null, OnnxAttribute.Ints("perm", perm));

            var query = Heads("attention.self.query", 0, 2, 1, 3);
            var keyT = Heads("attention.self.key", 0, 2, 3, 1);
            var value = Heads("attention.self.value", 0, 2, 1, 3);
            var scores = b.Node("Add", [b.Node("Mul", [b.Node("MatMul", [query, keyT]), scale]), additiveMask]);
            var probabilities = b.Node("Softmax", [scores], null, OnnxAttribute.Int("axis", -1));
            var context = b.Node("Reshape", [
                b.Node("Transpose", [b.Node("MatMul", [probabilities, value])], null, OnnxAttribute.Ints("perm", 0, 2, 1, 3)),
                mergeShape]);
            var attention = Linear(b, w, context, BertWeights.Layer(i, "attention.output.dense"));
            x = LayerNorm(b, w, b.Node("Add", [attention, x]), BertWeights.Layer(i, "attention.output.LayerNorm"), eps);

            var intermediate = Gelu(b, Linear(b, w, x, BertWeights.Layer(i, "intermediate.dense")));
            var output = Linear(b, w, intermediate, BertWeights.Layer(i, "output.dense"));
            x = LayerNorm(b, w, b.Node("Add", [output, x]), BertWeights.Layer(i, "output.LayerNorm"), eps);
        }

        return x;
    }

    private static string Param(OnnxGraphBuilder b, BertWeights w, string name)
    {
        var tensor = w[name];
        return b.AddInitializer(name, tensor.Data, [.. tensor.Shape.Select(d => (long)d)]);
    }

    private static string Linear(OnnxGraphBuilder b, BertWeights w, string input, string prefix) =>
        ClassifierHead.Linear(b, input, prefix, w[prefix + ".weight"], w[prefix + ".bias"].Data);

    private static string LayerNorm(OnnxGraphBuilder b, BertWeights w, string input, string prefix, float eps) =>
        b.Node("LayerNormalization", [input, Param(b, w, prefix + ".weight"), Param(b, w, prefix + ".bias")], null,
            OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", eps));

    /// <summary>The exact (erf) GELU BERT uses: x · ½ · (1 + erf(x / √2)).</summary>
    private static string Gelu(OnnxGraphBuilder b, string x)
    {
        var erf = b.Node("Erf", [b.Node("Div", [x, b.Scalar(MathF.Sqrt(2f))])]);
        return b.Node("Mul", [b.Node("Mul", [x, b.Node("Add", [erf, b.Scalar(1f)])]), b.Scalar(0.5f)]);
    }
}
