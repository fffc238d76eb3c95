using System.Diagnostics;
using System.Text.RegularExpressions;
using Serverless.Packages;
using Xunit.Abstractions;

namespace Serverless.Onnx.Tests;

/// <summary>all-MiniLM-L6-v2, read once for the tests that use it.</summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture()
    {
        var stopwatch = Stopwatch.StartNew();
        using (var stream = MiniLmBaseEncoder.OpenModel())
        {
            Model = new byte[stream.Length];
            stream.ReadExactly(Model);
        }

        Vocabulary = MiniLmBaseEncoder.ReadVocabulary();
        Original = new OrtRunner(Model);
        LoadMilliseconds = stopwatch.ElapsedMilliseconds;
    }

    public byte[] Model { get; }
    public IReadOnlyList<string> Vocabulary { get; }
    public OrtRunner Original { get; }
    public long LoadMilliseconds { get; }

    /// <summary>[CLS] words [SEP], by whole-word lookup; the sentences below use only words the vocabulary has.</summary>
    public long[] Ids(string text)
    {
        var index = Vocabulary.Select((token, id) => (token, id)).ToDictionary(x => x.token, x => (long)x.id);
        return [index["[CLS]"], .. Regex.Matches(text.ToLowerInvariant(), @"\w+|[^\w\s]").Select(m => index.GetValueOrDefault(m.Value, index["[UNK]"])), index["[SEP]"]];
    }

    public void Dispose() => Original.Dispose();
}

public sealed class MiniLmTests(MiniLmFixture miniLm, ITestOutputHelper output) : IClassFixture<MiniLmFixture>
{
    private static readonly string[] _sentences =
    [
        "The cat sat on the mat.",
        "Free money, click here now!",
        "See you at the team meeting tomorrow morning, and bring the report please.",
        "Good movie.",
    ];

    private long[][] Batch() => [.. _sentences.Select(miniLm.Ids)];

    [Fact]
    public void Reader_OnMiniLm_FindsSixLayersWithHuggingFaceShapes()
    {
        var stopwatch = Stopwatch.StartNew();
        var weights = OnnxBertWeightsReader.Read(new MemoryStream(miniLm.Model));
        output.WriteLine($"read MiniLM weights in {stopwatch.ElapsedMilliseconds} ms (fixture load {miniLm.LoadMilliseconds} ms)");

        var dims = OnnxBertWeightsReader.ConfigOf(weights, MiniLmBaseEncoder.Config);
        Assert.Equal(MiniLmBaseEncoder.Config, dims);
        Assert.Equal(miniLm.Vocabulary.Count, dims.VocabSize);
        weights.Validate(MiniLmBaseEncoder.Config);
        Assert.Equal([384, 384], weights["encoder.layer.5.attention.self.value.weight"].Shape);
        Assert.Equal([1536, 384], weights["encoder.layer.5.intermediate.dense.weight"].Shape);
        Assert.Equal([384, 1536], weights["encoder.layer.5.output.dense.weight"].Shape);
        Assert.False(weights.Contains("encoder.layer.6.attention.self.query.weight"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BertOnnxWriter_RewritingMiniLmFromItsWeights_ReproducesLastHiddenState(bool optimize)
    {
        var weights = OnnxBertWeightsReader.Read(new MemoryStream(miniLm.Model));
        var stopwatch = Stopwatch.StartNew();
        var rewritten = BertOnnxWriter.Write(MiniLmBaseEncoder.Config, weights);
        output.WriteLine($"wrote MiniLM as opset 17 ({rewritten.Length:N0} bytes) in {stopwatch.ElapsedMilliseconds} ms");
        using var runner = new OrtRunner(rewritten, optimize);
        using var original = optimize ? null : new OrtRunner(miniLm.Model, optimize);
        var batch = Batch();

        var (expected, shape) = (original ?? miniLm.Original).Run(batch, "last_hidden_state");
        var (actual, actualShape) = runner.Run(batch, "last_hidden_state");

        Assert.Equal(shape, actualShape);
        var maxDifference = MaxDifferenceOverAttendedTokens(expected, actual, batch, (int)shape[1], 384);
        output.WriteLine($"optimized {optimize}: max |Δ last_hidden_state| over attended tokens: {maxDifference:E2}");
        Assert.True(maxDifference <= 1e-4, $"max difference {maxDifference}");
    }

    [Theory]
    [InlineData(ClassifierHead.Mean)]
    [InlineData(ClassifierHead.Cls)]
    public void ClassifierHead_AppendedToMiniLm_EqualsPooledHiddenStateTimesWeights(string pooling)
    {
        const int labels = 3;
        var random = new Random(42);
        var weight = Enumerable.Range(0, labels * 384).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] bias = [0.1f, -0.2f, 0.3f];
        using var runner = new OrtRunner(ClassifierHead.Append(miniLm.Model, pooling, weight, bias, labels));
        var batch = Batch();

        var (hidden, shape) = miniLm.Original.Run(batch, "last_hidden_state");
        var (logits, logitShape) = runner.Run(batch, "logits");

        Assert.Equal(["logits"], runner.OutputNames);
        Assert.Equal([batch.Length, labels], logitShape);
        var sequence = (int)shape[1];
        var maxDifference = 0.0;
        for (var b = 0; b < batch.Length; b++)
        {
            var tokens = pooling == ClassifierHead.Mean ? batch[b].Length : 1;
            for (var l = 0; l < labels; l++)
            {
                double expected = bias[l];
                for (var h = 0; h < 384; h++)
                {
                    var pooled = 0.0;
                    for (var t = 0; t < tokens; t++)
                    {
                        pooled += hidden[(b * sequence + t) * 384 + h];
                    }

                    expected += pooled / tokens * weight[l * 384 + h];
                }

                maxDifference = Math.Max(maxDifference, Math.Abs(expected - logits[b * labels + l]));
            }
        }

        output.WriteLine($"{pooling}: max |Δ logits| {maxDifference:E2}");
        Assert.True(maxDifference <= 1e-4, $"max difference {maxDifference}");
    }

    [Fact]
    public void ClassifierHead_WeightNotFittingHidden_Refuses()
    {
        var error = Assert.Throws<Serverless.Errors.InvalidModelPackageException>(
            () => ClassifierHead.Append(miniLm.Model, ClassifierHead.Mean, new float[2 * 100], new float[2], 2));

        Assert.Contains("weight [2, 384]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MiniLmBaseEncoder_WritePackage_OpensAsBaseEncoder()
    {
        var directory = Directory.CreateTempSubdirectory("minilm-").FullName;
        try
        {
            var stopwatch = Stopwatch.StartNew();
            MiniLmBaseEncoder.WritePackage(directory);
            output.WriteLine($"wrote the MiniLM package in {stopwatch.ElapsedMilliseconds} ms");

            var package = ModelPackage.Open(directory);

            Assert.True(package.Config.IsBaseEncoder);
            Assert.Equal(["BertModel"], package.Config.Architectures);
            Assert.Null(package.Config.Id2label);
            Assert.Equal((30522, 384, 6, 12, 1536), (package.Config.VocabSize, package.Config.HiddenSize, package.Config.NumHiddenLayers,
                package.Config.NumAttentionHeads, package.Config.IntermediateSize));
            Assert.Equal(512, package.MaxLength);
            Assert.True(package.TokenizerConfig.DoLowerCase);
            Assert.Equal(MiniLmBaseEncoder.LineageBase, package.Manifest.Lineage?.Base);
            Assert.Equal(30522, File.ReadLines(package.VocabPath).Count());
            Assert.Equal(miniLm.Model.LongLength, new FileInfo(package.ModelPath).Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static double MaxDifferenceOverAttendedTokens(float[] expected, float[] actual, long[][] batch, int sequence, int hidden)
    {
        var max = 0.0;
        for (var b = 0; b < batch.Length; b++)
        {
            for (var i = b * sequence * hidden; i < (b * sequence + batch[b].Length) * hidden; i++)
            {
                max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
            }
        }

        return max;
    }
}
