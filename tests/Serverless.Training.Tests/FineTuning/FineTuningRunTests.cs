using System.Text.Json;
using System.Text.Json.Nodes;

using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Packages;
using Serverless.Testing;
using Serverless.Training.Cards;
using Serverless.Training.Data;
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
        // The int8 variant was made and gated on the validation split; kept or dropped, the manifest says which.
        var int8 = package.Manifest.Variants![ModelVariants.Int8];
        Assert.Contains("validation", int8.Gate, StringComparison.Ordinal);
        Assert.True(int8.Texts > 0);
        Assert.Equal(int8.Dropped is null, package.Variants.Contains(ModelVariants.Int8));
        Assert.Contains(package.Manifest.Files.Keys, f => f.EndsWith(".svg", StringComparison.Ordinal));

        var written = JsonNode.Parse(File.ReadAllText(store.StatusPath))!;
        Assert.Equal("Succeeded", written["status"]!.GetValue<string>());
        Assert.Equal(2, written["progress"]!["epochs"]!.GetValue<int>());
        Assert.Equal("full", written["progress"]!["phase"]!.GetValue<string>());
        var trainingEvent = JsonNode.Parse(File.ReadAllLines(store.EventsPath).Single())!;
        Assert.Equal("Succeeded", trainingEvent["status"]!.GetValue<string>());
        Assert.Equal("run-1", trainingEvent["runId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_AutoModeWhereFullFineTuningCannotLearn_KeepsHeadOnlyAndShowsBothInStatusManifestAndCard()
    {
        // A learning rate of 1e-9 leaves the fine-tuned model at its random start; the head-only fit learns the keywords.
        var store = Prepare(ToyTask.Examples(200, 1).Select(e => Line(e.Text, e.Label)), mode: "auto", schedule: (1, 1e-9, "mean"));

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var selection = status.Metrics!["selection"]!;
        Assert.True(selection["kept"]!.GetValue<string>() == "head", selection.ToJsonString());
        Assert.Equal("macro_f1", selection["metric"]!.GetValue<string>());
        var headValidation = selection["head"]!["validation_uncalibrated"]!["macro_f1"]!.GetValue<double>();
        var fullValidation = selection["full"]!["validation_uncalibrated"]!["macro_f1"]!.GetValue<double>();
        Assert.True(headValidation >= fullValidation, $"head {headValidation}, full {fullValidation}");
        Assert.StartsWith("head-only: validation macro_f1", selection["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(status.Metrics["macro_f1"]!.GetValue<double>(), selection["head"]!["test"]!["macro_f1"]!.GetValue<double>(), 6);

        var package = ModelPackage.Open(store.CandidateDirectory);
        Assert.Equal("head", package.Manifest.Lineage!.TrainingMode);
        Assert.Equal("head", package.Manifest.Metrics!["selection"]!["kept"]!.GetValue<string>());
        var card = File.ReadAllText(Path.Combine(store.CandidateDirectory, PackageFiles.Card));
        Assert.Contains("## Training modes compared", card, StringComparison.Ordinal);
        Assert.Contains("Kept: **head-only**", card, StringComparison.Ordinal);
        Assert.Contains("| head-only |", card, StringComparison.Ordinal);
        Assert.Contains("| full fine-tuning |", card, StringComparison.Ordinal);
        Assert.Equal(1e-9, status.Choices!["learningRate"].Value!.GetValue<double>());
        Assert.False(status.Choices["learningRate"].Chosen);
        Assert.False(Directory.Exists(Path.Combine(store.WorkDirectory, "candidates", "head")));
    }

    [Fact]
    public async Task Run_AutoModeOnAnEncoderWhoseFrozenEmbeddingsCannotTellTextsApart_KeepsFullFineTuning()
    {
        // With every word embedding zero, the frozen encoder gives the same vectors whatever the words, so head-only stays
        // at chance; fine-tuning trains the word embeddings and learns the keywords.
        var store = Prepare(ToyTask.Examples(240, 1).Select(e => Line(e.Text, e.Label)), mode: "auto", schedule: (8, 1e-2, "mean"),
            hyperparameters: h => h["earlyStoppingPatience"] = 0,
            writeBase: folder => TinyModels.WriteBaseEncoderPackage(folder, edit: w =>
            {
                var word = w["embeddings.word_embeddings.weight"];
                w.Set("embeddings.word_embeddings.weight", new float[word.Data.Length], word.Shape);
            }));
        var phases = new List<string>();

        var status = await new FineTuningRun(store, new FineTuningRunOptions { WorkDirectory = store.WorkDirectory, Device = "cpu", Threads = 1 }, NullLoggerFactory.Instance)
            .RunAsync(new InlineProgress(p => phases.Add(p.Phase)), CancellationToken.None);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var selection = status.Metrics!["selection"]!;
        Assert.Equal("full", selection["kept"]!.GetValue<string>());
        var headValidation = selection["head"]!["validation_uncalibrated"]!["macro_f1"]!.GetValue<double>();
        var fullValidation = selection["full"]!["validation_uncalibrated"]!["macro_f1"]!.GetValue<double>();
        Assert.True(fullValidation > headValidation + 0.2, $"head {headValidation}, full {fullValidation}");
        Assert.StartsWith("full fine-tuning: validation macro_f1", selection["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["head", "full"], phases.Distinct());
        Assert.Equal("full", ModelPackage.Open(store.CandidateDirectory).Manifest.Lineage!.TrainingMode);
        Assert.Contains("Kept: **full fine-tuning**", File.ReadAllText(Path.Combine(store.CandidateDirectory, PackageFiles.Card)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AutoModeFromAClassifierBase_FitsTheHeadOnlyBaselineOnThatClassifiersEncoder()
    {
        var store = Prepare(ToyTask.Examples(80, 1).Select(e => Line(e.Text, e.Label)), mode: "auto",
            writeBase: folder => TinyModels.WriteClassifierPackage(folder, labels: ["negative", "positive"]));

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var head = status.Metrics!["selection"]!["head"];
        Assert.NotNull(head);
        Assert.InRange(head["validation"]!["macro_f1"]!.GetValue<double>(), 0, 1);
        Assert.Equal(ToyTask.Labels, ModelPackage.Open(store.CandidateDirectory).Config.LabelsInOrder());
    }

    [Fact]
    public async Task Run_LearningRateLeftNullWithTwoTrials_TriesTwoRatesAndKeepsTheBetterOnValidation()
    {
        var store = Prepare(ToyTask.Examples(80, 1).Select(e => Line(e.Text, e.Label)), hyperparameters: h =>
        {
            h["learningRate"] = null;
            h["trials"] = 2;
        });
        var trials = new HashSet<(int?, int?, double?)>();

        var status = await new FineTuningRun(store, new FineTuningRunOptions { WorkDirectory = store.WorkDirectory, Device = "cpu", Threads = 1 }, NullLoggerFactory.Instance)
            .RunAsync(new InlineProgress(p => trials.Add((p.Trial, p.Trials, p.LearningRate))), CancellationToken.None);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var rates = Serverless.Training.Choices.LearningRateSearch.Candidates.Take(2).ToArray();
        Assert.Equal([(1, 2, rates[0]), (2, 2, rates[1])], trials.Order());
        var choice = status.Choices!["learningRate"];
        Assert.True(choice.Chosen);
        Assert.Contains(rates, r => r == choice.Value!.GetValue<double>());
        Assert.Contains("validation macro_f1 by rate: ", choice.Reason, StringComparison.Ordinal);
        var lineage = ModelPackage.Open(store.CandidateDirectory).Manifest.Lineage!;
        Assert.Equal(choice.Value!.GetValue<double>(), lineage.Hyperparameters!["learningRate"]!.GetValue<double>());
        Assert.NotNull(lineage.Hyperparameters["best_epoch"]);
        Assert.NotNull(status.Progress!.SecondsLeft);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("head")]
    public async Task Run_ValidationThatDisagreesWithTheModel_FoldsTheCalibratingOffsetIntoTheExportedHeadBias(string mode)
    {
        // The validation split labels every text the other way round, so the model's own decision scores a macro-F1 near 0
        // there and shifting every answer to one label (macro-F1 ≈ 0.33) beats it: calibration must choose an offset.
        var validation = ToyTask.Examples(40, 9).Select(e => Line(e.Text, e.Label == "spam" ? "ham" : "spam")).ToArray();
        var store = Prepare(ToyTask.Examples(160, 1).Select(e => Line(e.Text, e.Label)), mode: mode, schedule: (6, 1e-2, "mean"), validation: validation);

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var package = ModelPackage.Open(store.CandidateDirectory);
        var calibration = package.Manifest.Metrics!["decision_calibration"]!;
        var offset = calibration["offsets"]!["spam"]!.GetValue<double>();
        Assert.True(offset != 0, calibration.ToJsonString());
        Assert.True(calibration["validation_after"]!.GetValue<double>() > calibration["validation_before"]!.GetValue<double>());
        Assert.Equal(offset, package.Manifest.Lineage!.Hyperparameters!["logit_offsets"]!["spam"]!.GetValue<double>());
        if (mode == "full")
        {
            // Parity compares the exported graph with the trained model's logits plus the offsets: without the fold in the
            // exported bias they would differ by the offset.
            var parity = package.Manifest.Metrics["parity"]!;
            Assert.True(parity["passed"]!.GetValue<bool>(), parity.ToJsonString());
            Assert.True(parity["max_abs_diff"]!.GetValue<double>() <= 1e-4);
        }
        else
        {
            Assert.Equal(1.0, package.Manifest.Metrics["serving_agreement"]!.GetValue<double>());
        }

        // Served, the calibrated decision gives the validation figure calibration reached.
        var texts = validation.Select(l => JsonNode.Parse(l)!["text"]!.GetValue<string>()).ToArray();
        var expected = validation.Select(l => JsonNode.Parse(l)!["label"]!.GetValue<string>()).ToArray();
        await using var engine = await Serverless.Inference.ClassificationEngine.CreateAsync(package,
            new Serverless.Options.ServingOptions { Device = Serverless.Options.InferenceDevice.Cpu }, new Serverless.Options.BatchingOptions(), NullLoggerFactory.Instance, CancellationToken.None);
        var logits = await ServingEvaluation.GetLogitsAsync(engine, texts, CancellationToken.None);
        var labels = package.Config.LabelsInOrder();
        var served = Serverless.Training.Evaluation.ClassificationMetrics.Compute(labels, expected, logits.Select(l => labels[System.Numerics.Tensors.TensorPrimitives.IndexOfMax(l)]).ToArray());
        Assert.Equal(calibration["validation_after"]!.GetValue<double>(), served.MacroF1, 4);
        var card = File.ReadAllText(Path.Combine(store.CandidateDirectory, PackageFiles.Card));
        Assert.Contains("## Decision calibration (validation split)", card, StringComparison.Ordinal);
        Assert.Contains("| label | offset | test precision before | after | test recall before | after |", card, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("head")]
    [InlineData("full")]
    public async Task Run_WithSliceField_ReportsSliceMetricsFlaggingTheBadSliceAndCalibrationInStatusManifestAndCard(string mode)
    {
        // Slice "contradictory" holds every text twice, once per label, so any model gets exactly half of it right; slice
        // "clean" is drawn like the training data, which the model learns.
        string[] test =
        [
            .. TinyData.Create(perClass: 15, seed: 2).Examples.Select(e => Line(e.Text, e.Label, "clean")),
            .. TinyData.Create(perClass: 10, seed: 3).Examples.SelectMany(e => new[] { Line(e.Text, "ham", "contradictory"), Line(e.Text, "spam", "contradictory") }),
        ];
        var store = Prepare(TinyData.Create(perClass: 160, seed: 1).Examples.Select(e => Line(e.Text, e.Label, "train")), test, mode: mode,
            sliceField: "source", schedule: (4, 1e-2, "mean"));

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var metrics = JsonNode.Parse(File.ReadAllText(store.StatusPath))!["metrics"]!;
        var slices = metrics["slices"]!;
        Assert.Equal("source", slices["field"]!.GetValue<string>());
        Assert.Equal(2, slices["count"]!.GetValue<int>());
        var values = slices["values"]!.AsArray().ToDictionary(v => v!["value"]!.GetValue<string>(), v => v!);
        Assert.Equal(30, values["clean"]["count"]!.GetValue<int>());
        Assert.Equal(40, values["contradictory"]["count"]!.GetValue<int>());
        Assert.Equal(0.5, values["contradictory"]["accuracy"]!.GetValue<double>());
        // Overall (30 × clean + 20) / 70 is ten points above 0.5 once the clean slice reaches 0.733.
        Assert.True(values["clean"]["accuracy"]!.GetValue<double>() >= 0.8, $"clean accuracy {values["clean"]["accuracy"]}");
        Assert.True(values["contradictory"]["flagged"]!.GetValue<bool>());
        Assert.False(values["clean"]["flagged"]!.GetValue<bool>());
        Assert.Equal(1, slices["flagged"]!.GetValue<int>());

        var calibration = metrics["calibration"]!;
        Assert.Equal(70, calibration["count"]!.GetValue<int>());
        Assert.Equal(70, calibration["bins"]!.AsArray().Sum(b => b!["count"]!.GetValue<int>()));
        Assert.InRange(calibration["ece"]!.GetValue<double>(), 0, 1);

        var package = ModelPackage.Open(store.CandidateDirectory);
        Assert.Equal(slices.ToJsonString(), package.Manifest.Metrics!["slices"]!.ToJsonString());
        Assert.Equal(calibration.ToJsonString(), package.Manifest.Metrics["calibration"]!.ToJsonString());
        Assert.Contains(ModelCard.ReliabilityPlot, package.Manifest.Files.Keys);
        var card = File.ReadAllText(Path.Combine(store.CandidateDirectory, PackageFiles.Card));
        Assert.Contains("## Slices by source (test split)", card, StringComparison.Ordinal);
        Assert.Contains("| contradictory | 40 | 0.5000 |", card, StringComparison.Ordinal);
        Assert.Contains("⚠ flagged", card, StringComparison.Ordinal);
        Assert.Contains("## Calibration (test split)", card, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_FullModeWithoutProduction_WritesEvaluationWithTheTestMetricsAndSaysProductionWasSkipped()
    {
        var store = Prepare(ToyTask.Examples(80, 1).Select(e => Line(e.Text, e.Label)));

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var evaluation = ReadEvaluation(store);
        Assert.Equal("test", evaluation.Split);
        Assert.Equal("cpu", evaluation.Device);
        Assert.Equal(status.Metrics!["count"]!.GetValue<int>(), evaluation.Texts);
        Assert.Equal(status.Metrics["accuracy"]!.GetValue<double>(), evaluation.Candidate.Accuracy, 6);
        Assert.Equal(status.Metrics["macro_f1"]!.GetValue<double>(), evaluation.Candidate.MacroF1, 6);
        Assert.Null(evaluation.Production);
        Assert.Equal("no production version of model 'toy'", evaluation.ProductionSkipped);
        var written = JsonNode.Parse(File.ReadAllText(store.StatusPath))!;
        Assert.Equal(evaluation.Candidate.MacroF1, written["metrics"]!["evaluation"]!["candidate"]!["macro_f1"]!.GetValue<double>());
        Assert.Equal(evaluation.ProductionSkipped, written["metrics"]!["evaluation"]!["productionSkipped"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_HeadModeWithAProductionOfTheSameLabels_ScoresBothOnTheTestSplit()
    {
        // The keyword classifier answers short toy texts right by construction, so its scores on them are known.
        string[] test = [.. TinyModels.SpamKeywords.Select(k => Line($"hello {k} world", "spam")), .. TinyModels.SpamKeywords.Select(_ => Line("hello good world", "ham"))];
        var store = Prepare(ToyTask.Examples(80, 1).Select(e => Line(e.Text, e.Label)), test, mode: "head",
            production: directory => TinyModels.WriteKeywordClassifierPackage(directory));

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var evaluation = ReadEvaluation(store);
        Assert.Equal(status.Metrics!["accuracy"]!.GetValue<double>(), evaluation.Candidate.Accuracy, 6);
        Assert.Equal(status.Metrics["macro_f1"]!.GetValue<double>(), evaluation.Candidate.MacroF1, 6);
        Assert.Equal(test.Length, evaluation.Texts);
        Assert.Null(evaluation.ProductionSkipped);
        var production = Assert.IsType<ProductionScores>(evaluation.Production);
        Assert.Equal(LocalTrainingRunStore.LocalProductionVersion, production.Version);
        Assert.Equal(1.0, production.Accuracy);
        Assert.Equal(1.0, production.MacroF1);
        Assert.Equal("local", JsonNode.Parse(File.ReadAllText(store.StatusPath))!["metrics"]!["evaluation"]!["production"]!["version"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_ProductionWithOtherLabels_SkipsTheComparisonNamingBothLabelSets()
    {
        var store = Prepare(ToyTask.Examples(80, 1).Select(e => Line(e.Text, e.Label)), mode: "head",
            production: directory => TinyModels.WriteClassifierPackage(directory, ["negative", "positive"]));

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var evaluation = ReadEvaluation(store);
        Assert.Null(evaluation.Production);
        Assert.Equal("production version local has labels [negative,positive] and the candidate [ham,spam]: not comparable", evaluation.ProductionSkipped);
    }

    [Fact]
    public async Task Run_HeadMode_ReportsEmbeddingThenFittingProgressInStatusWithPhaseHead()
    {
        var store = new RecordingStore(Prepare(ToyTask.Examples(80, 1).Select(e => Line(e.Text, e.Label)), mode: "head"));
        var reported = new List<FineTuningProgress>();

        var status = await new FineTuningRun(store, new FineTuningRunOptions { WorkDirectory = store.Inner.WorkDirectory, Device = "cpu", StatusInterval = TimeSpan.Zero },
            NullLoggerFactory.Instance).RunAsync(new InlineProgress(reported.Add), CancellationToken.None);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var progress = store.Statuses.Where(s => s.Stage == "training" && s.Progress is not null).Select(s => s.Progress!).ToList();
        Assert.All(progress, p => Assert.Equal(FineTuningProgress.HeadPhase, p.Phase));
        var embedding = progress.Where(p => p.Stage == "embedding").ToList();
        Assert.NotEmpty(embedding);
        Assert.All(embedding, p => Assert.Equal(80, p.Steps));
        Assert.Equal(80, embedding[^1].Step);
        var fitting = progress.Where(p => p.Stage == "fitting").ToList();
        Assert.NotEmpty(fitting);
        Assert.True(progress.IndexOf(embedding[^1]) < progress.IndexOf(fitting[0]), "embedding is reported before fitting");
        Assert.Equal(fitting[^1].Steps, fitting[^1].Step);
        Assert.True(fitting[^1].Percent is > 80 and <= 90, $"fitting ends at {fitting[^1].Percent} %");
        Assert.Contains(reported, p => p.Stage == "fitting");
        Assert.Equal("head", JsonNode.Parse(File.ReadAllText(store.Inner.StatusPath))!["progress"]!["phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_BadDataset_EndsWithAFailedStatusThatTheRunCommandExitsZeroFor()
    {
        var store = Prepare(Enumerable.Range(0, 30).Select(i => Line($"text {i}", "ham")));

        var status = await Run(store);

        Assert.Equal(TrainingRunOutcome.Failed, status.Status);
        Assert.Equal(RunExitCode.Ended, RunExitCode.Of(status));
        Assert.False(File.Exists(store.EvaluationPath));
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

    [Fact]
    public async Task Run_MaxLengthAndClassWeightsLeftNull_ChoosesThemFromTheTrainingSplitAndRecordsWhyInStatusLineageAndCard()
    {
        // 60 ham and 15 spam: the training split keeps the 4× imbalance, so the classes are weighted.
        var examples = ToyTask.Examples(160, 2);
        var imbalanced = examples.Where(e => e.Label == "ham").Take(60).Concat(examples.Where(e => e.Label == "spam").Take(15)).ToList();
        var store = Prepare(imbalanced.Select(e => Line(e.Text, e.Label)), hyperparameters: h =>
        {
            h["maxLength"] = null;
            h["classWeights"] = null;
        });

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var splits = DatasetSplitter.Prepare(new LabelledDataset("train.jsonl", "", imbalanced.Select(e => new LabelledExample(e.Text, e.Label)).ToList()), null, null, new SplitOptions(Seed: 3));
        var lengths = splits.Train.Select(e => ToyTask.Tokenizer.Tokenize(e.Text, 64).Length).Order().ToArray();
        var expectedLength = lengths[(int)Math.Ceiling(0.95 * lengths.Length) - 1];
        Assert.True(expectedLength < 32, $"the toy texts need {expectedLength} tokens, below the tiny encoder's 32");

        var package = ModelPackage.Open(store.CandidateDirectory);
        Assert.Equal(expectedLength, package.MaxLength);
        Assert.Equal(expectedLength, package.TokenizerConfig.ModelMaxLength);
        var choices = status.Choices!;
        Assert.Equal(expectedLength, choices["maxLength"].Value!.GetValue<int>());
        Assert.True(choices["maxLength"].Chosen);
        var covered = 100.0 * lengths.Count(l => l <= expectedLength) / lengths.Length;
        Assert.Equal(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"covers {covered:0.#} % of the {lengths.Length} training texts (encoder's limit 32)"),
            choices["maxLength"].Reason);
        Assert.True(choices["classWeights"].Value!.GetValue<bool>());
        Assert.True(choices["classWeights"].Chosen);
        var (ham, spam) = (splits.Train.Count(e => e.Label == "ham"), splits.Train.Count(e => e.Label == "spam"));
        Assert.Equal(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"largest class {Math.Floor(10.0 * ham / spam) / 10:0.0}× the smallest ({ham} and {spam} training examples; weighted from 3×)"),
            choices["classWeights"].Reason);

        var written = JsonNode.Parse(File.ReadAllText(store.StatusPath))!;
        Assert.Equal(expectedLength, written["choices"]!["maxLength"]!["value"]!.GetValue<int>());
        Assert.Equal(choices["classWeights"].Reason, written["choices"]!["classWeights"]!["reason"]!.GetValue<string>());

        var lineage = package.Manifest.Lineage!;
        Assert.Equal(expectedLength, lineage.Hyperparameters!["maxLength"]!.GetValue<int>());
        Assert.True(lineage.Hyperparameters["classWeights"]!.GetValue<bool>());
        Assert.Equal(choices["maxLength"].Reason, lineage.Choices!["maxLength"].Reason);
        Assert.True(lineage.Choices["classWeights"].Chosen);

        var card = File.ReadAllText(Path.Combine(store.CandidateDirectory, PackageFiles.Card));
        Assert.Contains($"- maxLength {expectedLength} (chosen): {choices["maxLength"].Reason}", card, StringComparison.Ordinal);
        Assert.Contains($"- classWeights on (chosen): {choices["classWeights"].Reason}", card, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_HeadModeWithMaxLengthAndClassWeightsGiven_UsesThemAsIsAndRecordsThemAsGiven()
    {
        var examples = ToyTask.Examples(160, 2);
        var imbalanced = examples.Where(e => e.Label == "ham").Take(60).Concat(examples.Where(e => e.Label == "spam").Take(15));
        var store = Prepare(imbalanced.Select(e => Line(e.Text, e.Label)), mode: "head", hyperparameters: h =>
        {
            h["maxLength"] = 24;
            h["classWeights"] = false;
        });

        var status = await Run(store);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var package = ModelPackage.Open(store.CandidateDirectory);
        Assert.Equal(24, package.MaxLength);
        Assert.Equal("given in the request", status.Choices!["maxLength"].Reason);
        Assert.False(status.Choices["maxLength"].Chosen);
        Assert.False(status.Choices["classWeights"].Value!.GetValue<bool>());
        Assert.False(status.Choices["classWeights"].Chosen);
        Assert.False(package.Manifest.Lineage!.Hyperparameters!["balance_classes"]!.GetValue<bool>());
        Assert.False(package.Manifest.Lineage.Choices!["classWeights"].Chosen);
        Assert.Contains("- classWeights off: given in the request", File.ReadAllText(Path.Combine(store.CandidateDirectory, PackageFiles.Card)), StringComparison.Ordinal);
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

    [Fact]
    public async Task Run_FailureStatusWriteFailsTransiently_IsTriedAgainUntilTheFailureIsRecorded()
    {
        var store = new RecordingStore(Prepare(Enumerable.Range(0, 30).Select(i => Line($"text {i}", "ham")))) { FailedStatusWritesToRefuse = 2 };

        var status = await RunRecorded(store);

        Assert.Equal(TrainingRunOutcome.Failed, status.Status);
        Assert.Equal(3, store.Statuses.Count(s => s.Status == TrainingRunOutcome.Failed));
        Assert.Equal("Failed", JsonNode.Parse(File.ReadAllText(store.Inner.StatusPath))!["status"]!.GetValue<string>());
        Assert.Equal("Failed", JsonNode.Parse(File.ReadAllLines(store.Inner.EventsPath).Single())!["status"]!.GetValue<string>());
        Assert.Equal(RunExitCode.Ended, RunExitCode.Of(status));
    }

    [Fact]
    public async Task Run_FailureStatusCannotBeWrittenAtAll_ThrowsAfterTheLastAttemptSoTheJobRunsItAgain()
    {
        var store = new RecordingStore(Prepare(Enumerable.Range(0, 30).Select(i => Line($"text {i}", "ham")))) { FailedStatusWritesToRefuse = int.MaxValue };

        var error = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => RunRecorded(store, attempts: 3));

        Assert.Equal(503, error.Status);
        Assert.Equal(3, store.Statuses.Count(s => s.Status == TrainingRunOutcome.Failed));
        Assert.False(File.Exists(store.Inner.EventsPath));
    }

    [Fact]
    public async Task Run_StorageUnavailableWhileReadingTheData_RecordsNoFailureAndThrowsSoARestartRunsIt()
    {
        var store = new RecordingStore(Prepare(ToyTask.Examples(40, 1).Select(e => Line(e.Text, e.Label)))) { DatasetUnavailable = true };

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => RunRecorded(store));

        Assert.DoesNotContain(store.Statuses, s => s.Status == TrainingRunOutcome.Failed);
        Assert.False((await store.ReadStatusAsync(CancellationToken.None))!.HasEnded);
        Assert.False(File.Exists(store.Inner.EventsPath));
    }

    [Theory]
    [InlineData(TrainingRunOutcome.Failed, "the dataset was bad")]
    [InlineData(TrainingRunOutcome.Succeeded, null)]
    public async Task Run_StatusSaysAnEarlierAttemptEndedTheRun_ReturnsThatStatusAtOnceWithoutTrainingAndPostsItsEventAgain(string outcome, string? error)
    {
        var store = new RecordingStore(Prepare(ToyTask.Examples(40, 1).Select(e => Line(e.Text, e.Label))));
        var earlier = new TrainingRunStatus { Id = "run-1", Status = outcome, Stage = outcome == TrainingRunOutcome.Failed ? "failed" : "done", Error = error, UpdatedAt = DateTimeOffset.UnixEpoch };
        await store.Inner.WriteStatusAsync(earlier, CancellationToken.None);

        var status = await RunRecorded(store);

        Assert.Equal(earlier, status);
        Assert.Equal(RunExitCode.Ended, RunExitCode.Of(status));
        Assert.Empty(store.Statuses);
        Assert.False(Directory.Exists(store.Inner.CandidateDirectory));
        Assert.Equal(earlier.UpdatedAt, (await store.ReadStatusAsync(CancellationToken.None))!.UpdatedAt);
        var trainingEvent = JsonNode.Parse(File.ReadAllLines(store.Inner.EventsPath).Single())!;
        Assert.Equal(outcome, trainingEvent["status"]!.GetValue<string>());
        Assert.Equal(error, trainingEvent["error"]?.GetValue<string>());
    }

    private static Task<TrainingRunStatus> RunRecorded(RecordingStore store, int attempts = 5) =>
        new FineTuningRun(store, new FineTuningRunOptions
        {
            WorkDirectory = store.Inner.WorkDirectory, Device = "cpu", Threads = 1, ReportAttempts = attempts, ReportBackoff = TimeSpan.FromMilliseconds(10),
        }, NullLoggerFactory.Instance).RunAsync(null, CancellationToken.None);

    private static string Line(string text, string label) => JsonSerializer.Serialize(new { text, label });

    private static string Line(string text, string label, string source) => JsonSerializer.Serialize(new { text, label, source });

    private static TrainingEvaluation ReadEvaluation(LocalTrainingRunStore store) =>
        JsonSerializer.Deserialize<TrainingEvaluation>(File.ReadAllText(store.EvaluationPath), TrainingJob.JsonOptions)!;

    private LocalTrainingRunStore Prepare(
        IEnumerable<string> train, string[]? test = null, string? baseFolder = null, string mode = "full", Func<string, string>? production = null,
        Action<JsonObject>? hyperparameters = null, string? sliceField = null, (int Epochs, double LearningRate, string Pooling)? schedule = null,
        Action<string>? writeBase = null, string[]? validation = null)
    {
        var root = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        (writeBase ?? (folder => TinyModels.WriteBaseEncoderPackage(folder)))(Path.Combine(root, "base"));
        production?.Invoke(Path.Combine(root, "models", "toy", "production"));
        File.WriteAllLines(Path.Combine(root, "train.jsonl"), train);
        if (test is not null)
        {
            File.WriteAllLines(Path.Combine(root, "test.jsonl"), test);
        }

        if (validation is not null)
        {
            File.WriteAllLines(Path.Combine(root, "validation.jsonl"), validation);
        }

        var job = new JsonObject
        {
            ["runId"] = "run-1",
            ["model"] = "toy",
            ["base"] = baseFolder ?? "base",
            ["dataset"] = "train.jsonl",
            ["testDataset"] = test is null ? null : "test.jsonl",
            ["validationDataset"] = validation is null ? null : "validation.jsonl",
            ["sliceField"] = sliceField,
            ["hyperparameters"] = new JsonObject
            {
                ["mode"] = mode, ["epochs"] = schedule?.Epochs ?? 2, ["learningRate"] = schedule?.LearningRate ?? 1e-3, ["batchSize"] = 16, ["maxLength"] = 32, ["seed"] = 3, ["pooling"] = schedule?.Pooling ?? "cls",
            },
        };
        hyperparameters?.Invoke(job["hyperparameters"]!.AsObject());
        File.WriteAllText(Path.Combine(root, "job.json"), job.ToJsonString());
        return new LocalTrainingRunStore(Path.Combine(root, "job.json"), Path.Combine(root, "work"));
    }

    private static Task<TrainingRunStatus> Run(LocalTrainingRunStore store) =>
        new FineTuningRun(store, new FineTuningRunOptions { WorkDirectory = store.WorkDirectory, Device = "cpu", Threads = 1 }, NullLoggerFactory.Instance)
            .RunAsync(null, CancellationToken.None);

    private sealed class InlineProgress(Action<FineTuningProgress> report) : IProgress<FineTuningProgress>
    {
        public void Report(FineTuningProgress value) => report(value);
    }

    /// <summary>
    /// A local store that keeps every status written (or attempted), in order, and can answer like storage that is down:
    /// refusing the first writes of a Failed status, or the dataset read, with HTTP 503.
    /// </summary>
    private sealed class RecordingStore(LocalTrainingRunStore inner) : ITrainingRunStore
    {
        private readonly List<TrainingRunStatus> _statuses = [];
        private int _failedStatusWritesRefused;

        public LocalTrainingRunStore Inner => inner;

        /// <summary>How many writes of a Failed status answer 503 before one succeeds.</summary>
        public int FailedStatusWritesToRefuse { get; init; }

        /// <summary>Whether reading a dataset answers 503.</summary>
        public bool DatasetUnavailable { get; init; }

        public IReadOnlyList<TrainingRunStatus> Statuses
        {
            get
            {
                lock (_statuses)
                {
                    return _statuses.ToArray();
                }
            }
        }

        public Task WriteStatusAsync(TrainingRunStatus status, CancellationToken cancellationToken)
        {
            lock (_statuses)
            {
                _statuses.Add(status);
                if (status.Status == TrainingRunOutcome.Failed && _failedStatusWritesRefused < FailedStatusWritesToRefuse)
                {
                    _failedStatusWritesRefused++;
                    throw Unavailable();
                }
            }

            return inner.WriteStatusAsync(status, cancellationToken);
        }

        public Task<TrainingRunStatus?> ReadStatusAsync(CancellationToken cancellationToken) => inner.ReadStatusAsync(cancellationToken);

        private static Azure.RequestFailedException Unavailable() => new(503, "The server is busy.");

        public Task<TrainingJob> ReadJobAsync(CancellationToken cancellationToken) => inner.ReadJobAsync(cancellationToken);

        public Task<LabelledDataset> ReadDatasetAsync(string location, DatasetFields fields, CancellationToken cancellationToken) =>
            DatasetUnavailable ? throw Unavailable() : inner.ReadDatasetAsync(location, fields, cancellationToken);

        public Task<ModelPackage> GetBaseAsync(string reference, CancellationToken cancellationToken) => inner.GetBaseAsync(reference, cancellationToken);

        public Task<(string Version, ModelPackage Package)?> GetProductionAsync(string model, CancellationToken cancellationToken) =>
            inner.GetProductionAsync(model, cancellationToken);

        public Task WriteEvaluationAsync(TrainingEvaluation evaluation, CancellationToken cancellationToken) =>
            inner.WriteEvaluationAsync(evaluation, cancellationToken);

        public Task RestoreCheckpointsAsync(string localDirectory, CancellationToken cancellationToken) =>
            inner.RestoreCheckpointsAsync(localDirectory, cancellationToken);

        public Task SaveCheckpointsAsync(TrainingCheckpoints checkpoints, CancellationToken cancellationToken) =>
            inner.SaveCheckpointsAsync(checkpoints, cancellationToken);

        public Task<string> SaveCandidateAsync(string packageDirectory, CancellationToken cancellationToken) =>
            inner.SaveCandidateAsync(packageDirectory, cancellationToken);

        public Task PostEventAsync(TrainingEvent trainingEvent, CancellationToken cancellationToken) =>
            inner.PostEventAsync(trainingEvent, cancellationToken);
    }
}
