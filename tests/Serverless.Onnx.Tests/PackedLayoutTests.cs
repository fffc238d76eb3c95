using Serverless.Testing;

namespace Serverless.Onnx.Tests;

public sealed class PackedLayoutTests
{
    [Fact]
    public void Write_PackedEncoder_MatchesTheReferenceForwardPassOnEveryRealTokenAndIsZeroOnPadding()
    {
        var config = TinyModels.EncoderConfig();
        var weights = TinyModels.RandomWeights(config, 0, seed: 7);
        using var runner = new OrtRunner(BertOnnxWriter.Write(config, weights, BertLayout.Packed));

        var (hidden, shape) = runner.RunPacked(MixedLengthBatch.Rows, "last_hidden_state", MixedLengthBatch.Types);

        var sequence = MixedLengthBatch.Rows.Max(r => r.Length);
        Assert.Equal([MixedLengthBatch.Rows.Length, sequence, 16L], shape);
        for (var b = 0; b < MixedLengthBatch.Rows.Length; b++)
        {
            var expected = ReferenceBert.Encode(config, weights, MixedLengthBatch.Rows[b], MixedLengthBatch.Types[b]);
            for (var t = 0; t < sequence; t++)
            {
                for (var h = 0; h < 16; h++)
                {
                    var actual = hidden[(((b * sequence) + t) * 16) + h];
                    var want = t < MixedLengthBatch.Rows[b].Length ? expected[t][h] : 0f;
                    Assert.True(Math.Abs(actual - want) <= 1e-5, $"row {b} token {t} dim {h}: {actual} vs {want}");
                }
            }
        }
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("cls")]
    public void Write_PackedClassifier_GivesThePaddedGraphsLogitsWithin1e4AndTheSameArgMax(string pooling)
    {
        string[] labels = ["a", "b", "c"];
        var config = TinyModels.EncoderConfig().WithLabels(labels) with { Pooling = pooling };
        var weights = TinyModels.RandomWeights(config, labels.Length, seed: 11);
        using var padded = new OrtRunner(BertOnnxWriter.Write(config, weights));
        using var packed = new OrtRunner(BertOnnxWriter.Write(config, weights, BertLayout.Packed));

        var (expected, expectedShape) = padded.Run(MixedLengthBatch.Rows, "logits", MixedLengthBatch.Types);
        var (actual, shape) = packed.RunPacked(MixedLengthBatch.Rows, "logits", MixedLengthBatch.Types);

        Assert.Equal(expectedShape, shape);
        LogitAssert.Parity(expected, actual, labels.Length);
    }

    [Fact]
    public void Write_PackedClassifier_OneTextAlone_GivesTheSameLogitsAsInABatch()
    {
        var config = TinyModels.EncoderConfig().WithLabels(["x", "y"]) with { Pooling = "mean" };
        var weights = TinyModels.RandomWeights(config, 2, seed: 5);
        using var packed = new OrtRunner(BertOnnxWriter.Write(config, weights, BertLayout.Packed));

        var (batch, _) = packed.RunPacked(MixedLengthBatch.Rows, "logits", MixedLengthBatch.Types);
        var (alone, _) = packed.RunPacked([MixedLengthBatch.Rows[1]], "logits", [MixedLengthBatch.Types[1]]);

        Assert.True(Math.Abs(batch[2] - alone[0]) <= 1e-5 && Math.Abs(batch[3] - alone[1]) <= 1e-5);
    }
}
