using Onnx;
using Serverless.Testing;
using Xunit.Abstractions;

namespace Serverless.Onnx.Tests;

public sealed class DynamicInt8QuantizerTests(MiniLmFixture miniLm, ITestOutputHelper output) : IClassFixture<MiniLmFixture>
{
    private static readonly string[] s_texts =
    [
        "click here for free money now", "you are a winner !", "see you at lunch tomorrow", "please see the project report",
        "the team meeting is on the project report and the lunch is good", "good movie", "hello world", "bad movie , thanks",
    ];

    private static long[] Ids(string text) =>
        [2, .. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => (long)TinyModels.IdOf(w)), 3];

    private static int WeightMatMuls(byte[] model)
    {
        var graph = ModelProto.Parser.ParseFrom(model).Graph;
        var constants = graph.Initializer.Where(i => i.DataType == (int)TensorProto.Types.DataType.Float).Select(i => i.Name).ToHashSet();
        return graph.Node.Count(n => n.OpType == "MatMul" && constants.Contains(n.Input[1]));
    }

    private static int Count(byte[] model, string opType) => ModelProto.Parser.ParseFrom(model).Graph.Node.Count(n => n.OpType == opType);

    [Theory]
    [InlineData(ClassifierHead.Cls)]
    [InlineData(ClassifierHead.Mean)]
    public void Quantize_TinyBertClassifier_ReplacesEveryWeightMatMulAndStaysCloseToFp32(string pooling)
    {
        var config = TinyModels.EncoderConfig().WithLabels(["a", "b", "c"]) with { Pooling = pooling };
        // The standard graph (as Hugging Face exports write it): every projection a MatMul and a bias Add.
        var fp32 = BertOnnxWriter.Write(config, TinyModels.RandomWeights(config, 3, seed: 7), fusions: BertFusions.None);
        var matMuls = WeightMatMuls(fp32);

        var result = DynamicInt8Quantizer.Quantize(fp32);

        // 2 layers × (Q, K, V, attention output, intermediate, output) + the classifier; QKᵀ and AV stay float MatMuls.
        Assert.Equal(13, matMuls);
        Assert.Equal(matMuls, result.QuantizedMatMuls);
        Assert.Equal(matMuls, result.FoldedBiases);
        Assert.Equal(0, WeightMatMuls(result.Model));
        Assert.Equal(matMuls, Count(result.Model, DynamicInt8Quantizer.QuantizedMatMul));
        Assert.Equal(2 * 2, Count(result.Model, "MatMul"));
        Assert.Contains(ModelProto.Parser.ParseFrom(result.Model).OpsetImport, o => o.Domain == OnnxGraphBuilder.MicrosoftDomain);
        Assert.DoesNotContain(ModelProto.Parser.ParseFrom(result.Model).Graph.Initializer, i => i.Name.EndsWith(".weight_t", StringComparison.Ordinal));

        using var reference = new OrtRunner(fp32);
        using var quantized = new OrtRunner(result.Model);
        var rows = s_texts.Select(Ids).ToList();
        var (expected, _) = reference.Run(rows, "logits");
        var (actual, shape) = quantized.Run(rows, "logits");

        Assert.Equal([rows.Count, 3L], shape);
        var maxDelta = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        var range = expected.Max() - expected.Min();
        output.WriteLine($"max |Δlogit| {maxDelta:G3} over a logit range of {range:G3}");
        // Per-channel int8 weights and per-tensor uint8 activations: a few percent of the logits' range on this random model.
        Assert.True(maxDelta <= 0.05f * range, $"max |Δlogit| {maxDelta} > 5% of the range {range}");
        for (var row = 0; row < rows.Count; row++)
        {
            Assert.Equal(ArgMax(expected.AsSpan(row * 3, 3)), ArgMax(actual.AsSpan(row * 3, 3)));
        }
    }

    [Fact]
    public void Quantize_HeadAppendedToEncoder_KeepsTheKeywordClassifiersAnswers()
    {
        var fp32 = TinyModels.KeywordModel();

        var result = DynamicInt8Quantizer.Quantize(fp32);

        Assert.Equal(1, result.QuantizedMatMuls);
        Assert.Equal(0, WeightMatMuls(result.Model));
        using var reference = new OrtRunner(fp32);
        using var quantized = new OrtRunner(result.Model);
        var rows = s_texts.Select(Ids).ToList();
        var (expected, _) = reference.Run(rows, "logits");
        var (actual, _) = quantized.Run(rows, "logits");
        for (var row = 0; row < rows.Count; row++)
        {
            Assert.Equal(ArgMax(expected.AsSpan(row * 2, 2)), ArgMax(actual.AsSpan(row * 2, 2)));
        }

        Assert.True(expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max() <= 0.1f);
    }

    [Fact]
    public void Quantize_BiasAddedBeforeTheProductAndSharedWeight_FoldsTheBiasAndQuantizesTheWeightOnce()
    {
        // Hugging Face exports write Add(bias, MatMul(x, W)); one weight feeds two MatMuls, one of them also a graph output.
        var b = OnnxGraphBuilder.Create(13, graphName: "export");
        b.AddInput("x", TensorProto.Types.DataType.Float, "batch", 3);
        var weight = b.AddInitializer("onnx::MatMul_1", [1f, -2f, 0.5f, 0f, 3f, -1f], 3, 2);
        var bias = b.AddInitializer("dense.bias", [0.25f, -0.5f], 2);
        var first = b.Node("Add", [bias, b.Node("MatMul", ["x", weight])]);
        b.AddNode("MatMul", ["x", weight], ["raw"]);
        b.AddNode("Add", [first, "raw"], ["y"]);
        b.AddOutput("y", TensorProto.Types.DataType.Float, "batch", 2);
        b.AddOutput("raw", TensorProto.Types.DataType.Float, "batch", 2);

        var result = DynamicInt8Quantizer.Quantize(b.ToBytes());

        Assert.Equal(2, result.QuantizedMatMuls);
        Assert.Equal(1, result.FoldedBiases);
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;
        Assert.Single(graph.Initializer, i => i.DataType == (int)TensorProto.Types.DataType.Int8 && i.Dims.Count == 2);
        Assert.DoesNotContain(graph.Initializer, i => i.Name == "onnx::MatMul_1");
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(result.Model);
        float[] x = [1f, 2f, -1f, 0.5f, 0f, 4f];
        using var input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(x, [2, 3]);
        using var outputs = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), new Dictionary<string, Microsoft.ML.OnnxRuntime.OrtValue> { ["x"] = input }, ["y", "raw"]);
        float[] raw = [1f * 1 + 2 * 0.5f + -1f * 3, 1f * -2 + 0 + -1f * -1, 0.5f * 1 + 0 + 4 * 3, 0.5f * -2 + 0 + 4 * -1];
        var y = raw.Select((v, i) => 2 * v + (i % 2 == 0 ? 0.25f : -0.5f)).ToArray();
        Assert.Equal(raw, outputs[1].GetTensorDataAsSpan<float>().ToArray(), (e, a) => Math.Abs(e - a) < 0.06f);
        Assert.Equal(y, outputs[0].GetTensorDataAsSpan<float>().ToArray(), (e, a) => Math.Abs(e - a) < 0.12f);
    }

    [Fact]
    public void Quantize_ModelWithoutWeightMatMuls_IsUnchangedInOperators()
    {
        var b = OnnxGraphBuilder.Create(17, graphName: "plain");
        b.AddInput("x", TensorProto.Types.DataType.Float, "batch", 2);
        b.AddNode("MatMul", ["x", b.Node("Transpose", ["x"])], ["y"]);
        b.AddOutput("y", TensorProto.Types.DataType.Float, "batch", "batch");

        var result = DynamicInt8Quantizer.Quantize(b.ToBytes());

        Assert.Equal(0, result.QuantizedMatMuls);
        Assert.Equal(1, Count(result.Model, "MatMul"));
        Assert.DoesNotContain(ModelProto.Parser.ParseFrom(result.Model).OpsetImport, o => o.Domain == OnnxGraphBuilder.MicrosoftDomain);
    }

    [Fact]
    public void Quantize_MiniLmWithHead_LoadsInOnnxRuntimeAndAgreesWithFp32()
    {
        var random = new Random(3);
        var weight = Enumerable.Range(0, 2 * 384).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var fp32 = ClassifierHead.Append(miniLm.Model, ClassifierHead.Mean, weight, [0.1f, -0.1f], labels: 2);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var result = DynamicInt8Quantizer.Quantize(fp32);

        output.WriteLine($"quantized {result.QuantizedMatMuls} MatMuls ({result.FoldedBiases} biases folded) in {stopwatch.ElapsedMilliseconds} ms: {fp32.Length:N0} → {result.Model.Length:N0} bytes");
        Assert.Equal(6 * 6 + 1, result.QuantizedMatMuls);
        Assert.Equal(0, WeightMatMuls(result.Model));
        // The 47 MB word-embedding table stays float (a Gather, not a MatMul); the 21M MatMul weights shrink 4×.
        Assert.True(result.Model.Length < fp32.Length * 0.7, "int8 weights shrink the file");
        using var reference = new OrtRunner(fp32);
        using var quantized = new OrtRunner(result.Model);
        long[][] rows =
        [
            miniLm.Ids("The cat sat on the mat."), miniLm.Ids("Free money, click here now!"),
            miniLm.Ids("See you at the team meeting tomorrow morning, and bring the report please."), miniLm.Ids("Good movie."),
        ];
        var (expected, _) = reference.Run(rows, "logits");
        var (actual, _) = quantized.Run(rows, "logits");
        output.WriteLine($"fp32 logits {string.Join(", ", expected.Select(v => v.ToString("G3")))}; int8 {string.Join(", ", actual.Select(v => v.ToString("G3")))}");
        for (var row = 0; row < rows.Length; row++)
        {
            // A random head leaves some texts near its decision boundary; those with a clear fp32 margin keep their answer.
            if (Math.Abs(expected[row * 2] - expected[row * 2 + 1]) > 1f)
            {
                Assert.Equal(ArgMax(expected.AsSpan(row * 2, 2)), ArgMax(actual.AsSpan(row * 2, 2)));
            }
        }

        // The sentence embedding (what the head reads) keeps its direction: cosine to fp32 per text (0.986–0.995 measured).
        using var encoder = new OrtRunner(miniLm.Model);
        using var quantizedEncoder = new OrtRunner(DynamicInt8Quantizer.Quantize(miniLm.Model).Model);
        foreach (var row in rows)
        {
            var (reference32, _) = encoder.Run([row], "last_hidden_state");
            var (quantized8, _) = quantizedEncoder.Run([row], "last_hidden_state");
            var cosine = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(MeanOverTokens(reference32), MeanOverTokens(quantized8));
            output.WriteLine($"cosine {cosine:F5}");
            Assert.True(cosine > 0.98f, $"cosine {cosine}");
        }
    }

    private static float[] MeanOverTokens(float[] hidden)
    {
        var mean = new float[384];
        for (var t = 0; t < hidden.Length / 384; t++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(mean, hidden.AsSpan(t * 384, 384), mean);
        }

        return mean;
    }

    private static int ArgMax(ReadOnlySpan<float> values) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(values);
}
