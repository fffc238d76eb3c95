using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Inference.Tokenization;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Inference.Tests;

/// <summary>
/// The real pretrained all-MiniLM-L6-v2 encoder with a classification head appended, served by the engine: real shapes
/// (384 hidden, 512 positions), the real tokenizer files and the batching path, checked against an independent computation.
/// </summary>
public sealed class RealMiniLmClassifierTests(RealMiniLmClassifierTests.MiniLmFixture miniLm) : IClassFixture<RealMiniLmClassifierTests.MiniLmFixture>
{
    private static readonly string[] s_labels = ["ham", "spam"];
    private const string HamPrototype = "Hi Anna, the project meeting moved to Thursday at 10am; the agenda and last week's minutes are attached.";
    private const string SpamPrototype = "WINNER!!! Claim your FREE cash prize now, click here to get cheap pills and make money fast!!!";

    [Fact]
    public async Task Classify_MiniLmWithHead_LogitsEqualPooledEncoderOutputTimesHeadAndLabelsFollowThePrototypes()
    {
        string[] texts =
        [
            SpamPrototype,
            HamPrototype,
            "Congratulations, you have been selected for a free cash prize! Click now!",
            "Could you send me the minutes of Thursday's project meeting?",
        ];

        await using var engine = await ClassificationEngine.CreateAsync(
            miniLm.Classifier, Cpu, new BatchingOptions(), NullLoggerFactory.Instance, CancellationToken.None);
        var results = await engine.ClassifyAsync(texts, topK: null, CancellationToken.None);
        var logits = await engine.GetLogitsAsync(texts, CancellationToken.None);

        Assert.Equal(["spam", "ham", "spam", "ham"], results.Select(r => r.Label));
        for (var t = 0; t < texts.Length; t++)
        {
            var expected = miniLm.HeadLogits(miniLm.MeanPooledEmbedding(texts[t]));
            for (var label = 0; label < s_labels.Length; label++)
            {
                Assert.Equal(expected[label], logits[t][label], 3e-4);
            }
        }
    }

    [Fact]
    public async Task Classify_MiniLmWithHead_TextLongerThan512TokensIsTruncatedAndFlagged()
    {
        var longText = string.Join(' ', Enumerable.Repeat("the quarterly report is attached", 200));

        await using var engine = await ClassificationEngine.CreateAsync(
            miniLm.Classifier, Cpu, new BatchingOptions(), NullLoggerFactory.Instance, CancellationToken.None);
        var results = await engine.ClassifyAsync([longText, HamPrototype], topK: 1, CancellationToken.None);

        Assert.Equal(512, miniLm.Classifier.MaxLength);
        Assert.True(results[0].Truncated);
        Assert.False(results[1].Truncated);
        Assert.Single(results[0].Scores);
    }

    private static ServingOptions Cpu => new() { Device = InferenceDevice.Cpu };

    /// <summary>MiniLM as a base encoder, and a classifier made from it whose head scores similarity to two prototypes.</summary>
    public sealed class MiniLmFixture : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("minilm-classifier-").FullName;
        private readonly ModelPackage _encoder;
        private readonly OnnxModelSession _encoderSession;
        private readonly BertTextTokenizer _tokenizer;
        private readonly float[] _weight;

        public MiniLmFixture()
        {
            var encoderDirectory = Path.Combine(_root, "minilm");
            MiniLmBaseEncoder.WritePackage(encoderDirectory);
            _encoder = ModelPackage.Open(encoderDirectory);
            _encoderSession = OnnxModelSession.Create(_encoder, Cpu, NullLogger.Instance);
            _tokenizer = BertTextTokenizer.Create(_encoder);

            // Each label's weight row is its prototype's unit-length embedding, scaled so that softmax separates clearly.
            _weight = [.. Unit(MeanPooledEmbedding(HamPrototype)).Concat(Unit(MeanPooledEmbedding(SpamPrototype))).Select(w => w * 20f)];
            var classifier = ClassifierHead.Append(File.ReadAllBytes(_encoder.ModelPath), ClassifierHead.Mean, _weight, new float[s_labels.Length], s_labels.Length);
            var classifierDirectory = Path.Combine(_root, "classifier");
            ModelPackageWriter.Write(classifierDirectory, new ModelPackageContent
            {
                Model = classifier,
                Vocab = MiniLmBaseEncoder.ReadVocabulary(),
                TokenizerConfig = MiniLmBaseEncoder.TokenizerConfig,
                Config = MiniLmBaseEncoder.Config.WithLabels(s_labels) with { Pooling = ClassifierHead.Mean },
            });
            Classifier = ModelPackage.Open(classifierDirectory);
        }

        public ModelPackage Classifier { get; }

        /// <summary>The encoder's attention-masked mean of last_hidden_state, computed outside the engine.</summary>
        public float[] MeanPooledEmbedding(string text)
        {
            var tokens = _tokenizer.Tokenize(text, _encoder.MaxLength);
            var output = _encoderSession.Run(BatchEncoder.Pad([tokens], _tokenizer.PadId), out var shape);
            Assert.Equal([1, tokens.Length, 384], shape);
            var embedding = new float[384];
            for (var position = 0; position < tokens.Length; position++)
            {
                for (var i = 0; i < embedding.Length; i++)
                {
                    embedding[i] += output[(position * embedding.Length) + i] / tokens.Length;
                }
            }

            return embedding;
        }

        public float[] HeadLogits(float[] embedding) =>
            [.. Enumerable.Range(0, s_labels.Length).Select(label => embedding.Select((e, i) => e * _weight[(label * embedding.Length) + i]).Sum())];

        private static float[] Unit(float[] vector)
        {
            var norm = MathF.Sqrt(vector.Sum(v => v * v));
            return [.. vector.Select(v => v / norm)];
        }

        public void Dispose()
        {
            _encoderSession.Dispose();
            Directory.Delete(_root, recursive: true);
        }
    }
}
