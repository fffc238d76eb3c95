using Onnx;
using Serverless.Errors;
using Serverless.Packages;

namespace Serverless.Onnx;

/// <summary>
/// Writes a BERT-family encoder, with or without a classification head, as an ONNX opset 17 graph with dynamic axes, in
/// one of two layouts (<see cref="BertLayout"/>). Padded (the Hugging Face layout): inputs input_ids, attention_mask,
/// token_type_ids (int64 [batch, sequence]). Packed: every token-wise step (embeddings, projections, feed-forward,
/// LayerNorm) runs on the real tokens only, [tokens, hidden], and only attention pads, by index (see
/// <see cref="PackedInputNames"/>), so a batch of texts of mixed lengths costs what its real tokens cost. Output:
/// "logits" [batch, labels] when the config has labels, else "last_hidden_state" [batch, sequence, hidden], in both.
/// Either layout can use ONNX Runtime's fused operators instead (<see cref="BertFusions"/>).
/// </summary>
public static class BertOnnxWriter
{
    /// <summary>The opset the graphs use (LayerNormalization needs 17).</summary>
    public const int Opset = 17;

    /// <summary>Names of the padded graph's inputs, in order.</summary>
    public static IReadOnlyList<string> InputNames { get; } = ["input_ids", "attention_mask", "token_type_ids"];

    /// <summary>Names of the packed graph's inputs, in order (<see cref="PackedGraphInputs"/>).</summary>
    public static IReadOnlyList<string> PackedInputNames => PackedGraphInputs.Names;

    /// <summary>
    /// The fusions the writer emits unless told otherwise: MultiHeadAttention, which ONNX Runtime does not fuse in these
    /// graphs itself and which runs 1–5 % faster on the CPU (`Serverless.Benchmarks fusions`); not SkipLayerNormalization,
    /// which runs ~5 % slower there than ONNX Runtime's LayerNormalization after a plain Add.
    /// </summary>
    public const BertFusions DefaultFusions = BertFusions.Attention;

    /// <summary>Builds the graph and serializes it.</summary>
    /// <exception cref="InvalidModelPackageException">A weight is missing or ill-shaped, or the config is invalid.</exception>
    public static byte[] Write(ModelConfig config, BertWeights weights, BertLayout layout = BertLayout.Padded, BertFusions fusions = DefaultFusions)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        var labels = config.LabelsInOrder().Count;
        weights.Validate(config, labels);
        if (labels > 0)
        {
            ClassifierHead.CheckPooling(config.Pooling ?? ClassifierHead.Cls);
        }

        var b = OnnxGraphBuilder.Create(Opset, graphName: layout == BertLayout.Packed ? "bert_packed" : "bert");
        string hidden;
        if (layout == BertLayout.Packed)
        {
            foreach (var input in PackedInputNames)
            {
                var dims = input is "token_index" or "attention_mask" ? new OnnxDim[] { "batch", "sequence" } : ["tokens"];
                b.AddInput(input, TensorProto.Types.DataType.Int64, dims);
            }

            var packed = Encoder(b, config, weights, layout, fusions);
            hidden = Pad(b, packed, config.HiddenSize);
        }
        else
        {
            foreach (var input in InputNames)
            {
                b.AddInput(input, TensorProto.Types.DataType.Int64, "batch", "sequence");
            }

            hidden = Encoder(b, config, weights, layout, fusions);
        }

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

    private static string Encoder(OnnxGraphBuilder b, ModelConfig config, BertWeights w, BertLayout layout, BertFusions fusions)
    {
        var eps = (float)config.LayerNormEps;
        var packed = layout == BertLayout.Packed;
        var word = b.Node("Gather", [Param(b, w, "embeddings.word_embeddings.weight"), "input_ids"]);
        var type = b.Node("Gather", [Param(b, w, "embeddings.token_type_embeddings.weight"), "token_type_ids"]);

        // Positions: padded, 0..sequence-1 are the first rows of the position table; packed, each token gives its own.
        string positions;
        if (packed)
        {
            positions = b.Node("Gather", [Param(b, w, "embeddings.position_embeddings.weight"), "position_ids"]);
        }
        else
        {
            var sequence = b.Node("Shape", ["input_ids"], null, OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
            positions = b.Node("Slice", [Param(b, w, "embeddings.position_embeddings.weight"), b.Int64s(0), sequence, b.Int64s(0)]);
        }

        var embeddings = b.Node("Add", [b.Node("Add", [word, type]), positions]);
        var x = LayerNorm(b, w, embeddings, "embeddings.LayerNorm", eps);

        int hiddenSize = config.HiddenSize, heads = config.NumAttentionHeads, headSize = hiddenSize / heads;
        var fusedAttention = fusions.HasFlag(BertFusions.Attention);
        var fusedNorm = fusions.HasFlag(BertFusions.SkipLayerNorm);

        // Made on first use, once per graph: the int32 key padding mask MultiHeadAttention takes, or the standard graph's
        // additive mask [batch, 1, 1, sequence] (0 where attended, the lowest float where padded, as Hugging Face does;
        // MultiHeadAttention's -10000 gives a padded key the same zero weight), head shapes and scale.
        string? keyPaddingMask = null, additiveMask = null, splitShape = null, mergeShape = null, scale = null;

        // Packed: Q, K and V are projected on the real tokens and spread into the padded layout for attention by one Gather
        // each. A padded slot takes the last real token's row instead of a zero row (so no Concat per projection): as a key
        // or value it is masked out, and as a query its context row is never gathered back.
        var spreadIndex = packed
            ? b.Node("Min", ["token_index", b.Node("Sub", [b.Node("Shape", ["input_ids"]), b.Int64s(1)])])
            : "";
        string Spread(string projected) => packed ? b.Node("Gather", [projected, spreadIndex]) : projected;

        string Attention(int layer)
        {
            string[] names = [BertWeights.Layer(layer, "attention.self.query"), BertWeights.Layer(layer, "attention.self.key"), BertWeights.Layer(layer, "attention.self.value")];
            if (fusedAttention)
            {
                var projected = names.Select(n => Spread(ClassifierHead.MatMul(b, x, n, w[n + ".weight"]))).ToArray();
                var biases = b.AddInitializer(BertWeights.Layer(layer, "attention.self." + OnnxBertWeightsReader.FusedQkvBias), names.SelectMany(n => w[n + ".bias"].Data).ToArray(), 3L * hiddenSize);
                keyPaddingMask ??= b.Node("Cast", ["attention_mask"], null, OnnxAttribute.Int("to", (long)TensorProto.Types.DataType.Int32));
                return b.MicrosoftNode("MultiHeadAttention", [.. projected, biases, keyPaddingMask], OnnxAttribute.Int("num_heads", heads));
            }

            if (additiveMask is null)
            {
                var maskFloat = b.Node("Cast", ["attention_mask"], null, OnnxAttribute.Int("to", (long)TensorProto.Types.DataType.Float));
                additiveMask = b.Node("Mul", [b.Node("Sub", [b.Scalar(1f), b.Node("Unsqueeze", [maskFloat, b.Int64s(1, 2)])]), b.Scalar(float.MinValue)]);
                (splitShape, mergeShape, scale) = (b.Int64s(0, 0, heads, headSize), b.Int64s(0, 0, hiddenSize), b.Scalar(1f / MathF.Sqrt(headSize)));
            }

            var qkv = names.Select(n => Spread(Linear(b, w, x, n))).ToArray();
            string Heads(string projected, params long[] perm) =>
                b.Node("Transpose", [b.Node("Reshape", [projected, splitShape!])], null, OnnxAttribute.Ints("perm", perm));

            var scores = b.Node("Add", [b.Node("Mul", [b.Node("MatMul", [Heads(qkv[0], 0, 2, 1, 3), Heads(qkv[1], 0, 2, 3, 1)]), scale!]), additiveMask]);
            var probabilities = b.Node("Softmax", [scores], null, OnnxAttribute.Int("axis", -1));
            return b.Node("Reshape", [
                b.Node("Transpose", [b.Node("MatMul", [probabilities, Heads(qkv[2], 0, 2, 1, 3)])], null, OnnxAttribute.Ints("perm", 0, 2, 1, 3)),
                mergeShape!]);
        }

        // LayerNorm(input · Wᵀ + bias + residual).
        string DenseAddNorm(string input, string residual, string dense, string norm) => fusedNorm
            ? b.MicrosoftNode("SkipLayerNormalization",
                [ClassifierHead.MatMul(b, input, dense, w[dense + ".weight"]), residual, Param(b, w, norm + ".weight"), Param(b, w, norm + ".bias"), Param(b, w, dense + ".bias")],
                OnnxAttribute.Float("epsilon", eps))
            : LayerNorm(b, w, b.Node("Add", [Linear(b, w, input, dense), residual]), norm, eps);

        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            var context = Attention(i);
            if (packed)
            {
                // Back to the real tokens: row text × sequence + position of the padded context.
                context = b.Node("Gather", [b.Node("Reshape", [context, b.Int64s(-1, hiddenSize)]), "packed_index"]);
            }

            x = DenseAddNorm(context, x, BertWeights.Layer(i, "attention.output.dense"), BertWeights.Layer(i, "attention.output.LayerNorm"));
            var intermediate = Gelu(b, Linear(b, w, x, BertWeights.Layer(i, "intermediate.dense")));
            x = DenseAddNorm(intermediate, x, BertWeights.Layer(i, "output.dense"), BertWeights.Layer(i, "output.LayerNorm"));
        }

        return x;
    }

    /// <summary>Packed [tokens, width] → padded [batch, sequence, width], zeros where a text is shorter.</summary>
    private static string Pad(OnnxGraphBuilder b, string packed, int width)
    {
        var zero = b.AddInitializer(b.UniqueName("zero_row"), new float[width], 1, width);
        return b.Node("Gather", [b.Node("Concat", [packed, zero], null, OnnxAttribute.Int("axis", 0)), "token_index"]);
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
