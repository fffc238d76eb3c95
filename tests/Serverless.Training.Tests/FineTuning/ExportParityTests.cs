using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Errors;
using Serverless.Onnx;
using Serverless.Packages;
using Serverless.Testing;
using Serverless.Training.Evaluation;
using Serverless.Training.FineTuning;

using static TorchSharp.torch;

namespace Serverless.Training.Tests.FineTuning;

[Collection(TorchSharpCollection.Name)]
public sealed class ExportParityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parity-").FullName;

    public ExportParityTests() => set_num_threads(1);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(BertClassifier.ClsPooling)]
    [InlineData(BertClassifier.MeanPooling)]
    public async Task Export_RandomWeights_ServingEngineMatchesTorchLogits(string pooling)
    {
        var config = TinyModels.EncoderConfig();
        using var model = new BertClassifier(config, 3, pooling, seed: 5);
        Assert.True(model.LoadWeights(TinyModels.RandomWeights(config, 3, seed: 5)));

        var report = await ExportAndCompareAsync(model, ["one", "two", "three"]);

        Assert.True(report.Passed, $"max |diff| {report.MaxAbsoluteDifference}, {report.ArgMaxMismatches} argmax mismatches");
        Assert.True(report.MaxAbsoluteDifference <= 1e-4);
    }

    [Fact]
    public async Task Export_TrainedTinyModel_ServingEngineMatchesTorchLogits()
    {
        using var model = ToyTask.Model();
        await new FineTuner(ToyTask.Hyperparameters(epochs: 2), CPU, NullLogger.Instance).TrainAsync(
            model, ToyTask.Split(96, 1), ToyTask.Split(16, 2), ToyTask.Labels, 0, null, null, null, CancellationToken.None);

        var report = await ExportAndCompareAsync(model, ToyTask.Labels);

        Assert.True(report.Passed, $"max |diff| {report.MaxAbsoluteDifference}, {report.ArgMaxMismatches} argmax mismatches");
    }

    [Fact]
    public void LoadWeights_ShapesThatDoNotFitTheConfig_RefusesNamingTheParameter()
    {
        var config = TinyModels.EncoderConfig();
        var weights = TinyModels.RandomWeights(config with { IntermediateSize = 48 }, 0, seed: 1);
        using var model = new BertClassifier(config, 2, BertClassifier.ClsPooling, seed: 1);

        var error = Assert.Throws<InvalidModelPackageException>(() => model.LoadWeights(weights));

        Assert.Contains("encoder.layer.0.intermediate.dense.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("[48, 16]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToWeights_AfterLoadWeights_GivesBackTheSameValuesUnderHuggingFaceNames()
    {
        var config = TinyModels.EncoderConfig();
        var weights = TinyModels.RandomWeights(config, 2, seed: 3);
        using var model = new BertClassifier(config, 2, BertClassifier.ClsPooling, seed: 1);
        model.LoadWeights(weights);

        var exported = model.ToWeights();

        Assert.Equal(BertWeights.Expected(config, 2).Select(e => e.Name).Order(), exported.Names.Order());
        Assert.Equal(weights["encoder.layer.1.attention.self.key.weight"].Data, exported["encoder.layer.1.attention.self.key.weight"].Data);
        Assert.Equal(weights["classifier.weight"].Shape, exported["classifier.weight"].Shape);
    }

    private async Task<ParityReport> ExportAndCompareAsync(BertClassifier model, IReadOnlyList<string> labels)
    {
        var texts = ToyTask.Examples(40, 9).Select(e => e.Text).Append(string.Join(' ', Enumerable.Repeat("hello world", 30))).ToArray();
        var expected = new FineTuner(ToyTask.Hyperparameters(), CPU, NullLogger.Instance)
            .Predict(model, texts.Select(t => ToyTask.Tokenizer.Tokenize(t, 32)).ToArray(), 0);
        var directory = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        ModelPackageWriter.Write(directory, new ModelPackageContent
        {
            Model = BertOnnxWriter.Write(model.ExportConfig(labels), model.ToWeights()),
            Vocab = TinyModels.Vocabulary,
            TokenizerConfig = new TokenizerConfig { ModelMaxLength = 32 },
            Config = model.ExportConfig(labels),
        });

        return await ParityGate.CheckAsync(ModelPackage.Open(directory), texts, expected, intraOpThreads: 0, NullLoggerFactory.Instance, CancellationToken.None);
    }
}
