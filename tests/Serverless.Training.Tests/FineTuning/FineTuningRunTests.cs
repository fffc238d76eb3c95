using System.Text.Json;
using System.Text.Json.Nodes;

using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Packages;
using Serverless.Testing;
using Serverless.Training.FineTuning;

namespace Serverless.Training.Tests.FineTuning;

[Collection(TorchSharpCollection.Name)]
public sealed class FineTuningRunTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("run-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Run_ToyDataOnTinyBaseEncoder_WritesCandidatePackageWithMetricsParityAndCard()
    {
        var store = Prepare(ToyTask.Examples(80, 1).Select(e => Line(e.Text, e.Label)));

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var package = ModelPackage.Open(store.CandidateDirectory);
        Assert.Equal(ToyTask.Labels, package.Config.LabelsInOrder());
        Assert.Equal(32, package.MaxLength);
        var parity = package.Manifest.Metrics!["parity"]!;
        Assert.True(parity["passed"]!.GetValue<bool>());
        Assert.True(parity["max_abs_diff"]!.GetValue<double>() <= 1e-4);
        Assert.NotNull(package.Manifest.Metrics["macro_f1"]);
        Assert.NotNull(package.Manifest.Metrics["confusion_matrix"]);
        Assert.Equal("full", package.Manifest.Lineage!.TrainingMode);
        Assert.NotNull(package.Manifest.Lineage.DatasetSha256);
        Assert.True(File.Exists(Path.Combine(store.CandidateDirectory, PackageFiles.Card)));
        Assert.Contains(package.Manifest.Files.Keys, f => f.EndsWith(".svg", StringComparison.Ordinal));

        var written = JsonNode.Parse(File.ReadAllText(store.StatusPath))!;
        Assert.Equal("Succeeded", written["status"]!.GetValue<string>());
        Assert.Equal(2, written["progress"]!["epochs"]!.GetValue<int>());
        var trainingEvent = JsonNode.Parse(File.ReadAllLines(store.EventsPath).Single())!;
        Assert.Equal("Succeeded", trainingEvent["status"]!.GetValue<string>());
        Assert.Equal("run-1", trainingEvent["runId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_HeadMode_WritesAHeadOnlyCandidateAndPostsSucceeded()
    {
        var store = Prepare(ToyTask.Examples(80, 1).Select(e => Line(e.Text, e.Label)), mode: "head");

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var package = ModelPackage.Open(store.CandidateDirectory);
        Assert.Equal("head", package.Manifest.Lineage!.TrainingMode);
        Assert.Equal(ToyTask.Labels, package.Config.LabelsInOrder());
        Assert.Equal("Succeeded", JsonNode.Parse(File.ReadAllLines(store.EventsPath).Single())!["status"]!.GetValue<string>());
    }

    public static TheoryData<string, string[]> BadDatasets => new()
    {
        { "only one label", Enumerable.Range(0, 30).Select(i => Line($"text {i}", "ham")).ToArray() },
        { "too few of a label", Enumerable.Range(0, 30).Select(i => Line($"text {i}", i < 3 ? "spam" : "ham")).ToArray() },
        { "missing label field", [.. Enumerable.Range(0, 30).Select(i => Line($"text {i}", i % 2 == 0 ? "spam" : "ham")), "{\"text\":\"no label\"}"] },
        { "empty text", [.. Enumerable.Range(0, 30).Select(i => Line($"text {i}", i % 2 == 0 ? "spam" : "ham")), Line("", "ham")] },
        { "not JSON", [.. Enumerable.Range(0, 30).Select(i => Line($"text {i}", i % 2 == 0 ? "spam" : "ham")), "{text: oops"] },
    };

    [Theory]
    [MemberData(nameof(BadDatasets))]
    public async Task Run_BadDataset_FailsWithTheDatasetsSpecificErrorAndPostsTheEvent(string problem, string[] lines)
    {
        var store = Prepare(lines);

        var status = await Run(store);

        Assert.Equal(TrainingRunOutcome.Failed, status.Status);
        Assert.False(string.IsNullOrWhiteSpace(status.Error), problem);
        Assert.Contains("train.jsonl", status.Error, StringComparison.Ordinal);
        var written = JsonNode.Parse(File.ReadAllText(store.StatusPath))!;
        Assert.Equal("Failed", written["status"]!.GetValue<string>());
        Assert.Equal(status.Error, written["error"]!.GetValue<string>());
        var trainingEvent = JsonNode.Parse(File.ReadAllLines(store.EventsPath).Single())!;
        Assert.Equal("Failed", trainingEvent["status"]!.GetValue<string>());
        Assert.Equal(status.Error, trainingEvent["error"]!.GetValue<string>());
        Assert.False(Directory.Exists(store.CandidateDirectory));
    }

    [Fact]
    public async Task Run_TestDataWithALabelTrainingLacks_FailsSayingWhichLabel()
    {
        var store = Prepare(ToyTask.Examples(40, 1).Select(e => Line(e.Text, e.Label)), test: [Line("what is this", "eggs"), Line("hello", "ham")]);

        var status = await Run(store);

        Assert.Equal(TrainingRunOutcome.Failed, status.Status);
        Assert.Contains("'eggs'", status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownBaseFolder_FailsSayingSo()
    {
        var store = Prepare(ToyTask.Examples(40, 1).Select(e => Line(e.Text, e.Label)), baseFolder: "no-such-base");

        var status = await Run(store);

        Assert.Equal(TrainingRunOutcome.Failed, status.Status);
        Assert.Contains("no-such-base", status.Error, StringComparison.Ordinal);
    }

    private static string Line(string text, string label) => JsonSerializer.Serialize(new { text, label });

    private LocalTrainingRunStore Prepare(IEnumerable<string> train, string[]? test = null, string? baseFolder = null, string mode = "full")
    {
        var root = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        TinyModels.WriteBaseEncoderPackage(Path.Combine(root, "base"));
        File.WriteAllLines(Path.Combine(root, "train.jsonl"), train);
        if (test is not null)
        {
            File.WriteAllLines(Path.Combine(root, "test.jsonl"), test);
        }

        var job = new JsonObject
        {
            ["runId"] = "run-1",
            ["model"] = "toy",
            ["base"] = baseFolder ?? "base",
            ["dataset"] = "train.jsonl",
            ["testDataset"] = test is null ? null : "test.jsonl",
            ["hyperparameters"] = new JsonObject
            {
                ["mode"] = mode, ["epochs"] = 2, ["learningRate"] = 1e-3, ["batchSize"] = 16, ["maxLength"] = 32, ["seed"] = 3, ["pooling"] = "cls",
            },
        };
        File.WriteAllText(Path.Combine(root, "job.json"), job.ToJsonString());
        return new LocalTrainingRunStore(Path.Combine(root, "job.json"), Path.Combine(root, "work"));
    }

    private static Task<TrainingRunStatus> Run(LocalTrainingRunStore store) =>
        new FineTuningRun(store, new FineTuningRunOptions { WorkDirectory = store.WorkDirectory, Device = "cpu", Threads = 1 }, NullLoggerFactory.Instance)
            .RunAsync(null, CancellationToken.None);
}
