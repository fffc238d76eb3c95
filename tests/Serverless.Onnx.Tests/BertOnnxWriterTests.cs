using Serverless.Errors;
using Serverless.Testing;

namespace Serverless.Onnx.Tests;

public sealed class BertOnnxWriterTests
{
    private const double Tolerance = 1e-5;

    // Three sequences of different lengths: the shorter ones are padded in the batch.
    private static readonly long[][] _rows = [[2, 23, 24, 25, 28, 7, 3], [2, 30, 3], [2, 9, 33, 11, 26, 3]];
    private static readonly long[][] _types = [[0, 0, 0, 0, 1, 1, 1], [0, 0, 0], [0, 0, 0, 1, 1, 1]];

    [Fact]
    public void Write_Encoder_MatchesReferenceForwardPassWithPaddingInBatch()
    {
        var config = TinyModels.EncoderConfig();
        var weights = TinyModels.RandomWeights(config, 0, seed: 7);
        using var runner = new OrtRunner(BertOnnxWriter.Write(config, weights));

        var (hidden, shape) = runner.Run(_rows, "last_hidden_state", _types);

        Assert.Equal([3L, 7L, 16L], shape);
        for (var b = 0; b < _rows.Length; b++)
        {
            var expected = ReferenceBert.Encode(config, weights, _rows[b], _types[b]);
            for (var t = 0; t < _rows[b].Length; t++)
            {
                for (var h = 0; h < 16; h++)
                {
                    Assert.True(Math.Abs(hidden[(b * 7 + t) * 16 + h] - expected[t][h]) <= Tolerance,
                        $"row {b} token {t} dim {h}: {hidden[(b * 7 + t) * 16 + h]} vs {expected[t][h]}");
                }
            }
        }
    }

    [Fact]
    public void Write_Encoder_PaddingDoesNotChangeUnmaskedOutputs()
    {
        var config = TinyModels.EncoderConfig();
        using var runner = new OrtRunner(BertOnnxWriter.Write(config, TinyModels.RandomWeights(config, 0, seed: 3)));

        var (alone, _) = runner.Run([_rows[1]], "last_hidden_state");
        var (padded, _) = runner.Run([_rows[0], _rows[1]], "last_hidden_state");

        var unmasked = padded.AsSpan(7 * 16, 3 * 16).ToArray();
        Assert.Equal(alone.Length, unmasked.Length);
        Assert.All(alone.Zip(unmasked), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6, $"{p.First} vs {p.Second}"));
    }

    [Theory]
    [InlineData(ClassifierHead.Cls)]
    [InlineData(ClassifierHead.Mean)]
    public void Write_ClassifierHead_MatchesReferenceLogits(string pooling)
    {
        var config = TinyModels.EncoderConfig().WithLabels(["a", "b", "c"]) with { Pooling = pooling };
        var weights = TinyModels.RandomWeights(config, 3, seed: 11);
        using var runner = new OrtRunner(BertOnnxWriter.Write(config, weights));

        Assert.Equal(["logits"], runner.OutputNames);
        var (logits, shape) = runner.Run(_rows, "logits");

        Assert.Equal([3L, 3L], shape);
        for (var b = 0; b < _rows.Length; b++)
        {
            var expected = ReferenceBert.Classify(config, weights, _rows[b]);
            for (var l = 0; l < 3; l++)
            {
                Assert.True(Math.Abs(logits[b * 3 + l] - expected[l]) <= Tolerance, $"row {b} label {l}: {logits[b * 3 + l]} vs {expected[l]}");
            }
        }
    }

    [Fact]
    public void Write_MissingWeight_RefusesNamingIt()
    {
        var config = TinyModels.EncoderConfig();
        var weights = TinyModels.RandomWeights(config, 0, seed: 1);
        var incomplete = new BertWeights();
        foreach (var name in weights.Names.Where(n => n != "encoder.layer.1.attention.self.key.bias"))
        {
            var (data, shape) = weights[name];
            incomplete.Set(name, data, shape);
        }

        var error = Assert.Throws<InvalidModelPackageException>(() => BertOnnxWriter.Write(config, incomplete));

        Assert.Contains("'encoder.layer.1.attention.self.key.bias' is missing (expected [16])", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_IllShapedWeight_RefusesWithBothShapes()
    {
        var config = TinyModels.EncoderConfig();
        var weights = TinyModels.RandomWeights(config, 0, seed: 1).Set("encoder.layer.0.intermediate.dense.weight", new float[16 * 32], 16, 32);

        var error = Assert.Throws<InvalidModelPackageException>(() => BertOnnxWriter.Write(config, weights));

        Assert.Contains("'encoder.layer.0.intermediate.dense.weight' has shape [16, 32], expected [32, 16]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ConfigWithLabelsButNoHeadWeights_Refuses()
    {
        var config = TinyModels.EncoderConfig().WithLabels(["x", "y"]);

        var error = Assert.Throws<InvalidModelPackageException>(() => BertOnnxWriter.Write(config, TinyModels.RandomWeights(config, 0, seed: 1)));

        Assert.Contains("'classifier.weight' is missing (expected [2, 16])", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_UnknownPooling_Refuses()
    {
        var config = TinyModels.EncoderConfig().WithLabels(["x", "y"]) with { Pooling = "max" };

        var error = Assert.Throws<InvalidModelPackageException>(() => BertOnnxWriter.Write(config, TinyModels.RandomWeights(config, 2, seed: 1)));

        Assert.Contains("Pooling 'max' is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_HeadsNotDividingHidden_Refuses()
    {
        var config = TinyModels.EncoderConfig() with { NumAttentionHeads = 3 };

        var error = Assert.Throws<InvalidModelPackageException>(() => BertOnnxWriter.Write(config, TinyModels.RandomWeights(config, 0, seed: 1)));

        Assert.Contains("hidden_size divisible by num_attention_heads", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(BertFusions.None, BertLayout.Padded)]
    [InlineData(BertFusions.Attention, BertLayout.Padded)]
    [InlineData(BertFusions.Attention | BertFusions.SkipLayerNorm, BertLayout.Padded)]
    [InlineData(BertFusions.Attention, BertLayout.Packed)]
    public void Reader_OnWrittenClassifier_ReturnsTheSameWeightsAndDims(BertFusions fusions, BertLayout layout)
    {
        var config = TinyModels.EncoderConfig().WithLabels(["a", "b"]) with { Pooling = ClassifierHead.Mean };
        var weights = TinyModels.RandomWeights(config, 2, seed: 5);

        var read = OnnxBertWeightsReader.Read(new MemoryStream(BertOnnxWriter.Write(config, weights, layout, fusions)));

        Assert.Equal(weights.Names.Order(StringComparer.Ordinal), read.Names.Order(StringComparer.Ordinal));
        foreach (var name in weights.Names)
        {
            Assert.Equal(weights[name].Shape, read[name].Shape);
            Assert.Equal(weights[name].Data, read[name].Data);
        }

        var dims = OnnxBertWeightsReader.ConfigOf(read, config);
        Assert.Equal((config.VocabSize, config.HiddenSize, config.NumHiddenLayers, config.IntermediateSize, config.MaxPositionEmbeddings),
            (dims.VocabSize, dims.HiddenSize, dims.NumHiddenLayers, dims.IntermediateSize, dims.MaxPositionEmbeddings));
    }

    [Fact]
    public void Reader_OnGraphWithoutBertNames_RefusesClearly()
    {
        var error = Assert.Throws<InvalidModelPackageException>(() => OnnxBertWeightsReader.Read(new MemoryStream(TinyModels.KeywordModel())));

        Assert.Contains("layers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_OnBytesThatAreNotOnnx_RefusesClearly()
    {
        var error = Assert.Throws<InvalidModelPackageException>(() => OnnxBertWeightsReader.Read(new MemoryStream("not a model"u8.ToArray())));

        Assert.Contains("not a readable ONNX model", error.Message, StringComparison.Ordinal);
    }
}
