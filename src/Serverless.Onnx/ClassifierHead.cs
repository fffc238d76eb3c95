using Onnx;
using Serverless.Errors;

namespace Serverless.Onnx;

/// <summary>
/// A classification head (pooling + linear) in ONNX: written by <see cref="BertOnnxWriter"/>, or appended to an existing
/// encoder graph whose output is last_hidden_state (head-only training).
/// </summary>
public static class ClassifierHead
{
    /// <summary>Pooling by the first ([CLS]) token.</summary>
    public const string Cls = "cls";

    /// <summary>Pooling by the attention-masked mean over tokens.</summary>
    public const string Mean = "mean";

    /// <summary>The head's output name.</summary>
    public const string LogitsName = "logits";

    /// <summary>The encoder output the head reads.</summary>
    public const string HiddenStateName = "last_hidden_state";

    /// <summary>
    /// Appends pooling and a linear layer to an encoder; the result has the single output "logits" [batch, labels].
    /// </summary>
    /// <param name="encoderOnnx">An encoder graph with inputs input_ids, attention_mask and output last_hidden_state.</param>
    /// <param name="pooling">"cls" or "mean".</param>
    /// <param name="weight">Row-major [labels, hidden], as a PyTorch Linear stores it.</param>
    /// <param name="bias">[labels].</param>
    /// <param name="labels">Number of labels.</param>
    /// <exception cref="InvalidModelPackageException">The encoder lacks the needed input or output, or the head does not fit it.</exception>
    public static byte[] Append(byte[] encoderOnnx, string pooling, float[] weight, float[] bias, int labels)
    {
        ArgumentNullException.ThrowIfNull(encoderOnnx);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(bias);
        CheckPooling(pooling);
        var b = OnnxGraphBuilder.Read(encoderOnnx);
        var output = b.Graph.Output.FirstOrDefault(o => o.Name == HiddenStateName)
            ?? throw new InvalidModelPackageException($"The encoder graph has no output '{HiddenStateName}' to append a head to.");
        if (b.Graph.Input.All(i => i.Name != "attention_mask"))
        {
            throw new InvalidModelPackageException("The encoder graph has no input 'attention_mask'.");
        }

        var hidden = HiddenSize(b, output);
        if (labels <= 0 || bias.Length != labels || weight.Length != labels * hidden)
        {
            throw new InvalidModelPackageException(
                $"The head does not fit the encoder: {labels} labels need weight [{labels}, {hidden}] ({labels * hidden} values) and bias [{labels}]; " +
                $"got {weight.Length} and {bias.Length} values.");
        }

        if (b.Opset < 13)
        {
            throw new InvalidModelPackageException($"The encoder graph uses opset {b.Opset}; appending a head needs opset 13 or later.");
        }

        var pooled = Pool(b, HiddenStateName, "attention_mask", pooling);
        Linear(b, pooled, "classifier", new WeightTensor(weight, [labels, hidden]), bias, LogitsName);
        b.ClearOutputs().AddOutput(LogitsName, TensorProto.Types.DataType.Float, "batch", labels);
        return b.ToBytes();
    }

    /// <summary>The encoder's width: from the output's declared shape, else from the word embedding table.</summary>
    private static int HiddenSize(OnnxGraphBuilder b, ValueInfoProto output)
    {
        var dims = output.Type?.TensorType?.Shape?.Dim;
        if (dims is { Count: 3 } && dims[2].DimValue > 0)
        {
            return (int)dims[2].DimValue;
        }

        var embeddings = b.Graph.Initializer.FirstOrDefault(i => i.Name.EndsWith("embeddings.word_embeddings.weight", StringComparison.Ordinal) && i.Dims.Count == 2);
        return embeddings is not null
            ? (int)embeddings.Dims[1]
            : throw new InvalidModelPackageException(
                $"The encoder's hidden size is unknown: '{HiddenStateName}' has no fixed last dimension and there is no word embedding table.");
    }

    internal static void CheckPooling(string pooling)
    {
        if (pooling is not (Cls or Mean))
        {
            throw new InvalidModelPackageException($"Pooling '{pooling}' is not supported: use \"cls\" or \"mean\".");
        }
    }

    /// <summary>[batch, sequence, hidden] → [batch, hidden]. Uses only ops of opset 13 and later with unchanged semantics.</summary>
    internal static string Pool(OnnxGraphBuilder b, string hidden, string attentionMask, string pooling)
    {
        if (pooling == Cls)
        {
            return b.Node("Gather", [hidden, b.AddInitializer(b.UniqueName("cls_index"), [0L])], null, OnnxAttribute.Int("axis", 1));
        }

        // Sentence-transformers' mean: sum of attended tokens over their count, the count clamped at 1e-9.
        var mask = b.Node("Cast", [attentionMask], null, OnnxAttribute.Int("to", (long)TensorProto.Types.DataType.Float));
        var sum = b.Node("ReduceSum", [b.Node("Mul", [hidden, b.Node("Unsqueeze", [mask, b.Int64s(2)])]), b.Int64s(1)], null,
            OnnxAttribute.Int("keepdims", 0));
        var count = b.Node("ReduceSum", [mask, b.Int64s(1)], null, OnnxAttribute.Int("keepdims", 1));
        return b.Node("Div", [sum, b.Node("Max", [count, b.Scalar(1e-9f)])]);
    }

    /// <summary>x · Wᵀ + b, with W stored [out, in] and written transposed as the MatMul's [in, out] operand.</summary>
    internal static string Linear(OnnxGraphBuilder b, string input, string prefix, WeightTensor weight, float[] bias, string? output = null) =>
        b.Node("Add", [MatMul(b, input, prefix, weight), b.AddInitializer(prefix + ".bias", bias, weight.Shape[0])], output);

    /// <summary>x · Wᵀ without the bias (for an operator that adds it itself), W stored [out, in].</summary>
    internal static string MatMul(OnnxGraphBuilder b, string input, string prefix, WeightTensor weight) =>
        b.Node("MatMul", [input, b.AddInitializer(prefix + OnnxBertWeightsReader.TransposedWeight, weight.Transpose().Data, weight.Shape[1], weight.Shape[0])]);
}
