using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using Serverless.Errors;

namespace Serverless.Onnx;

/// <summary>
/// Dynamic int8 quantization of an fp32 graph: every MatMul whose second input is a constant float matrix (the weight
/// MatMuls of projections, feed-forward and heads; never QKᵀ or attention × V, whose operands are both activations) becomes
/// <c>com.microsoft.DynamicQuantizeMatMul</c> with int8 weights quantized symmetrically per output column (zero point 0).
/// An Add of a constant bias that alone consumes the MatMul is folded into the operator's bias input. Activations are
/// quantized at run time by ONNX Runtime, so no calibration data is needed. Thread-safe (stateless).
/// </summary>
public static class DynamicInt8Quantizer
{
    /// <summary>The operator every weight MatMul becomes.</summary>
    public const string QuantizedMatMul = "DynamicQuantizeMatMul";

    /// <summary>Quantizes <paramref name="fp32Model"/>; see the type's summary.</summary>
    /// <exception cref="InvalidModelPackageException">The model cannot be parsed, or keeps a weight in an external file.</exception>
    public static QuantizedModel Quantize(byte[] fp32Model)
    {
        ArgumentNullException.ThrowIfNull(fp32Model);
        OnnxGraphBuilder b;
        try
        {
            b = OnnxGraphBuilder.Read(fp32Model);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidModelPackageException($"model.onnx is not a valid ONNX model: {ex.Message}");
        }

        var graph = b.Graph;
        var graphInputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

        // Initializers that are also graph inputs can be overridden by the caller: they are not constants.
        var constants = graph.Initializer.Where(i => !graphInputs.Contains(i.Name)).ToDictionary(i => i.Name, StringComparer.Ordinal);
        var consumers = graph.Node.SelectMany(n => n.Input.Where(i => i.Length > 0).Select(i => (Input: i, Node: n)))
            .ToLookup(x => x.Input, x => x.Node, StringComparer.Ordinal);

        var quantizedWeights = new Dictionary<string, (string Weight, string Scale, string ZeroPoint)>(StringComparer.Ordinal);
        var removed = new HashSet<NodeProto>();
        var rewritten = new List<NodeProto>(graph.Node.Count);
        var quantizedCount = 0;
        var foldedBiases = 0;
        foreach (var node in graph.Node)
        {
            if (removed.Contains(node))
            {
                continue;
            }

            if (!IsWeightMatMul(node, constants, out var weight))
            {
                rewritten.Add(node);
                continue;
            }

            if (!quantizedWeights.TryGetValue(weight.Name, out var q))
            {
                q = AddQuantizedWeight(b, weight);
                quantizedWeights.Add(weight.Name, q);
            }

            var output = node.Output[0];
            string? bias = null;
            if (!graphOutputs.Contains(output) && consumers[output].ToList() is [{ OpType: "Add", Domain: "" } add] &&
                add.Input.Count == 2 && add.Input.IndexOf(output) is var side and >= 0 &&
                constants.TryGetValue(add.Input[1 - side], out var biasTensor) &&
                biasTensor.DataType == (int)TensorProto.Types.DataType.Float &&
                biasTensor.Dims.Count == 1 && biasTensor.Dims[0] == weight.Dims[1])
            {
                bias = biasTensor.Name;
                output = add.Output[0];
                removed.Add(add);
                foldedBiases++;
            }

            var quantized = new NodeProto { OpType = QuantizedMatMul, Domain = OnnxGraphBuilder.MicrosoftDomain, Name = b.UniqueName(node.Name is { Length: > 0 } name ? name + "_int8" : "matmul_int8") };
            quantized.Input.AddRange(bias is null ? [node.Input[0], q.Weight, q.Scale, q.ZeroPoint] : [node.Input[0], q.Weight, q.Scale, q.ZeroPoint, bias]);
            quantized.Output.Add(output);
            rewritten.Add(quantized);
            quantizedCount++;
        }

        graph.Node.Clear();
        graph.Node.AddRange(rewritten);

        // Float weights nothing reads any more would only double the file.
        var stillRead = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var unused = graph.Initializer.Where(i => quantizedWeights.ContainsKey(i.Name) && !stillRead.Contains(i.Name) && !graphOutputs.Contains(i.Name)).ToList();
        foreach (var initializer in unused)
        {
            graph.Initializer.Remove(initializer);
        }

        if (quantizedCount > 0)
        {
            b.ImportMicrosoftDomain();
        }

        return new QuantizedModel(b.ToBytes(), quantizedCount, foldedBiases);
    }

    /// <summary>A MatMul whose B is a constant float matrix [in, out].</summary>
    private static bool IsWeightMatMul(NodeProto node, Dictionary<string, TensorProto> constants, out TensorProto weight)
    {
        weight = null!;
        return node is { OpType: "MatMul", Domain: "" } && node.Input.Count == 2 && node.Output.Count == 1 &&
            constants.TryGetValue(node.Input[1], out weight!) &&
            weight.DataType == (int)TensorProto.Types.DataType.Float && weight.Dims.Count == 2 &&
            weight.DataLocation != TensorProto.Types.DataLocation.External;
    }

    /// <summary>Adds the int8 weight [in, out], its scale per column [out] and zero points (all 0) [out].</summary>
    private static (string Weight, string Scale, string ZeroPoint) AddQuantizedWeight(OnnxGraphBuilder b, TensorProto weight)
    {
        var values = OnnxGraphBuilder.ToFloats(weight);
        int rows = (int)weight.Dims[0], columns = (int)weight.Dims[1];
        var scales = new float[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                scales[c] = MathF.Max(scales[c], MathF.Abs(values[r * columns + c]));
            }
        }

        for (var c = 0; c < columns; c++)
        {
            // A column of zeros quantizes to zeros whatever the scale; 1 keeps the division defined.
            scales[c] = scales[c] > 0 ? scales[c] / 127f : 1f;
        }

        var quantized = new sbyte[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                quantized[r * columns + c] = (sbyte)Math.Clamp(MathF.Round(values[r * columns + c] / scales[c], MidpointRounding.ToEven), -127f, 127f);
            }
        }

        var baseName = weight.Name;
        var weightName = b.UniqueName(baseName + "_int8");
        var scaleName = b.UniqueName(baseName + "_scale");
        var zeroPointName = b.UniqueName(baseName + "_zero_point");
        b.Graph.Initializer.Add(Int8Tensor(weightName, quantized, rows, columns));
        b.Graph.Initializer.Add(OnnxGraphBuilder.FloatTensor(scaleName, scales, columns));
        b.Graph.Initializer.Add(Int8Tensor(zeroPointName, new sbyte[columns], columns));
        return (weightName, scaleName, zeroPointName);
    }

    private static TensorProto Int8Tensor(string name, sbyte[] data, params long[] shape)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())) };
        tensor.Dims.AddRange(shape);
        return tensor;
    }
}
