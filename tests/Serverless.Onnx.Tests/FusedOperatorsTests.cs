using Onnx;
using Serverless.Testing;

namespace Serverless.Onnx.Tests;

public sealed class FusedOperatorsTests
{
    [Theory]
    [InlineData(BertFusions.None, BertLayout.Padded)]
    [InlineData(BertFusions.None, BertLayout.Packed)]
    [InlineData(BertFusions.Attention, BertLayout.Padded)]
    [InlineData(BertFusions.SkipLayerNorm, BertLayout.Padded)]
    [InlineData(BertFusions.Attention | BertFusions.SkipLayerNorm, BertLayout.Padded)]
    [InlineData(BertFusions.Attention, BertLayout.Packed)]
    [InlineData(BertFusions.SkipLayerNorm, BertLayout.Packed)]
    [InlineData(BertFusions.Attention | BertFusions.SkipLayerNorm, BertLayout.Packed)]
    public void Write_EncoderWithEachFusion_MatchesTheReferenceForwardPassOnEveryRealToken(BertFusions fusions, BertLayout layout)
    {
        var config = TinyModels.EncoderConfig();
        var weights = TinyModels.RandomWeights(config, 0, seed: 7);
        using var runner = new OrtRunner(BertOnnxWriter.Write(config, weights, layout, fusions));

        var (hidden, shape) = layout == BertLayout.Packed ? runner.RunPacked(MixedLengthBatch.Rows, "last_hidden_state", MixedLengthBatch.Types) : runner.Run(MixedLengthBatch.Rows, "last_hidden_state", MixedLengthBatch.Types);

        var sequence = MixedLengthBatch.Rows.Max(r => r.Length);
        Assert.Equal([MixedLengthBatch.Rows.Length, sequence, 16L], shape);
        for (var b = 0; b < MixedLengthBatch.Rows.Length; b++)
        {
            var expected = ReferenceBert.Encode(config, weights, MixedLengthBatch.Rows[b], MixedLengthBatch.Types[b]);
            for (var t = 0; t < MixedLengthBatch.Rows[b].Length; t++)
            {
                for (var h = 0; h < 16; h++)
                {
                    var actual = hidden[(((b * sequence) + t) * 16) + h];
                    Assert.True(Math.Abs(actual - expected[t][h]) <= 1e-5, $"row {b} token {t} dim {h}: {actual} vs {expected[t][h]}");
                }
            }
        }
    }

    [Theory]
    [InlineData(BertFusions.Attention, "mean")]
    [InlineData(BertFusions.Attention | BertFusions.SkipLayerNorm, "mean")]
    [InlineData(BertFusions.Attention | BertFusions.SkipLayerNorm, "cls")]
    public void Write_FusedClassifier_GivesTheStandardGraphsLogitsWithin1e4AndTheSameArgMax(BertFusions fusions, string pooling)
    {
        string[] labels = ["a", "b", "c"];
        var config = TinyModels.EncoderConfig().WithLabels(labels) with { Pooling = pooling };
        var weights = TinyModels.RandomWeights(config, labels.Length, seed: 11);
        using var standard = new OrtRunner(BertOnnxWriter.Write(config, weights, fusions: BertFusions.None));
        using var fused = new OrtRunner(BertOnnxWriter.Write(config, weights, fusions: fusions));

        var (expected, expectedShape) = standard.Run(MixedLengthBatch.Rows, "logits", MixedLengthBatch.Types);
        var (actual, shape) = fused.Run(MixedLengthBatch.Rows, "logits", MixedLengthBatch.Types);

        Assert.Equal(expectedShape, shape);
        LogitAssert.Parity(expected, actual, labels.Length);
    }

    [Theory]
    [InlineData(BertFusions.None, 0, 0)]
    [InlineData(BertFusions.Attention, 2, 0)]
    [InlineData(BertFusions.SkipLayerNorm, 0, 4)]
    [InlineData(BertFusions.Attention | BertFusions.SkipLayerNorm, 2, 4)]
    public void Write_Fusions_EmitOneOperatorPerAttentionAndPerResidualNormOfEachLayer(BertFusions fusions, int attention, int skipLayerNorm)
    {
        var config = TinyModels.EncoderConfig();
        var model = ModelProto.Parser.ParseFrom(BertOnnxWriter.Write(config, TinyModels.RandomWeights(config, 0, seed: 3), fusions: fusions));

        var contrib = model.Graph.Node.Where(n => n.Domain == OnnxGraphBuilder.MicrosoftDomain).ToList();
        Assert.Equal(attention, contrib.Count(n => n.OpType == "MultiHeadAttention"));
        Assert.Equal(skipLayerNorm, contrib.Count(n => n.OpType == "SkipLayerNormalization"));
        Assert.Equal(attention + skipLayerNorm, contrib.Count);
        Assert.Equal(contrib.Count > 0, model.OpsetImport.Any(o => o.Domain == OnnxGraphBuilder.MicrosoftDomain));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Softmax" && fusions.HasFlag(BertFusions.Attention));
    }

    [Fact]
    public void Quantize_FusedClassifier_QuantizesEveryWeightMatMulAndKeepsTheStandardInt8Logits()
    {
        string[] labels = ["a", "b", "c"];
        var config = TinyModels.EncoderConfig().WithLabels(labels) with { Pooling = "mean" };
        var weights = TinyModels.RandomWeights(config, labels.Length, seed: 11);
        var standard = DynamicInt8Quantizer.Quantize(BertOnnxWriter.Write(config, weights, fusions: BertFusions.None));
        var fused = DynamicInt8Quantizer.Quantize(BertOnnxWriter.Write(config, weights, fusions: BertFusions.Attention));
        var both = DynamicInt8Quantizer.Quantize(BertOnnxWriter.Write(config, weights, fusions: BertFusions.Attention | BertFusions.SkipLayerNorm));

        // Q, K, V, attention output, intermediate and output per layer, and the head.
        Assert.Equal((6 * config.NumHiddenLayers) + 1, standard.QuantizedMatMuls);
        Assert.Equal(standard.QuantizedMatMuls, fused.QuantizedMatMuls);
        Assert.Equal(standard.QuantizedMatMuls, both.QuantizedMatMuls);

        // The attention operator computes what the standard graph computes from the same quantized projections.
        using var standardRunner = new OrtRunner(standard.Model);
        using var fusedRunner = new OrtRunner(fused.Model);
        var (expected, _) = standardRunner.Run(MixedLengthBatch.Rows, "logits", MixedLengthBatch.Types);
        var (actual, _) = fusedRunner.Run(MixedLengthBatch.Rows, "logits", MixedLengthBatch.Types);
        LogitAssert.Parity(expected, actual, labels.Length);
    }
}
