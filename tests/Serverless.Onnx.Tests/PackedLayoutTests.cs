using Serverless.Testing;

namespace Serverless.Onnx.Tests;

public sealed class PackedLayoutTests
{
    // Texts of very different lengths, so the padded layout computes mostly padding.
    private static readonly long[][] _rows = [[2, 23, 24, 25, 28, 7, 3], [2, 30, 3], [2, 9, 33, 11, 26, 3], [2, 3], [2, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 3]];
    private static readonly long[][] _types = _rows.Select(r => r.Select((_, i) => i < r.Length / 2 ? 0L : 1L).ToArray()).ToArray();

    [Fact]
    public void Write_PackedEncoder_MatchesTheReferenceForwardPassOnEveryRealTokenAndIsZeroOnPadding()
    {
        var config = TinyModels.EncoderConfig();
        var weights = TinyModels.RandomWeights(config, 0, seed: 7);
        using var runner = new OrtRunner(BertOnnxWriter.Write(config, weights, BertLayout.Packed));

        var (hidden, shape) = runner.RunPacked(_rows, "last_hidden_state", _types);

        var sequence = _rows.Max(r => r.Length);
        Assert.Equal([_rows.Length, sequence, 16L], shape);
        for (var b = 0; b < _rows.Length; b++)
        {
            var expected = ReferenceBert.Encode(config, weights, _rows[b], _types[b]);
            for (var t = 0; t < sequence; t++)
            {
                for (var h = 0; h < 16; h++)
                {
                    var actual = hidden[(((b * sequence) + t) * 16) + h];
                    var want = t < _rows[b].Length ? expected[t][h] : 0f;
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

        var (expected, expectedShape) = padded.Run(_rows, "logits", _types);
        var (actual, shape) = packed.RunPacked(_rows, "logits", _types);

        Assert.Equal(expectedShape, shape);
        LogitAssert.Parity(expected, actual, labels.Length);
    }

    [Fact]
    public void Write_PackedClassifier_OneTextAlone_GivesTheSameLogitsAsInABatch()
    {
        var config = TinyModels.EncoderConfig().WithLabels(["x", "y"]) with { Pooling = "mean" };
        var weights = TinyModels.RandomWeights(config, 2, seed: 5);
        using var packed = new OrtRunner(BertOnnxWriter.Write(config, weights, BertLayout.Packed));

        var (batch, _) = packed.RunPacked(_rows, "logits", _types);
        var (alone, _) = packed.RunPacked([_rows[1]], "logits", [_types[1]]);

        Assert.True(Math.Abs(batch[2] - alone[0]) <= 1e-5 && Math.Abs(batch[3] - alone[1]) <= 1e-5);
    }
}
