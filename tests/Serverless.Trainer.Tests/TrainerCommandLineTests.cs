using System.Text.Json;
using System.Text.Json.Nodes;

using Serverless.Cli;
using Serverless.Testing;

namespace Serverless.Trainer.Tests;

/// <summary>The trainer's command line as the container and the local runner call it, parsed and run in this process.</summary>
public sealed class TrainerCommandLineTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("trainer-cli-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Help_ExitsZeroAndListsTheRunCommand()
    {
        var result = await InvokeAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("run", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("quickstart", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("quality", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunHelp_ExitsZeroAndListsEveryOption()
    {
        var result = await InvokeAsync("run", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.All(
            ["--run-id <id>", "--job <job.json>", "--work <folder>", "--device", "--threads <N>", "--default-base <name>"],
            option => Assert.Contains(option, result.Output, StringComparison.Ordinal));
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task NoCommand_ExitsTwoAndPointsToHelp()
    {
        var result = await InvokeAsync();

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains("--help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_ExitsTwoNamingIt()
    {
        var result = await InvokeAsync("quickstart");

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains("'quickstart'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownOption_ExitsTwoNamingIt()
    {
        var result = await InvokeAsync("run", "--run-id", "reviews-1", "--epochs", "3");

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains("'--epochs'", result.Error, StringComparison.Ordinal);
        Assert.Contains("run --help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NeitherRunIdNorJob_ExitsTwoNamingBoth()
    {
        var result = await InvokeAsync("run", "--work", _directory.FullName);

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains("'--run-id'", result.Error, StringComparison.Ordinal);
        Assert.Contains("'--job'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RunIdAndJobTogether_ExitsTwo()
    {
        var job = Path.Combine(_directory.FullName, "job.json");
        await File.WriteAllTextAsync(job, "{}");

        var result = await InvokeAsync("run", "--run-id", "reviews-1", "--job", job);

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains("exclude each other", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OptionWithoutItsValue_ExitsTwoNamingTheOption()
    {
        var result = await InvokeAsync("run", "--run-id");

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains("'--run-id'", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--threads", "many")]
    [InlineData("--threads", "-1")]
    [InlineData("--device", "tpu")]
    public async Task Run_IllTypedValue_ExitsTwoNamingTheOption(string option, string value)
    {
        var result = await InvokeAsync("run", "--run-id", "reviews-1", option, value);

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains(value, result.Error, StringComparison.Ordinal);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_JobFileMissing_ExitsNonZeroNamingTheFile()
    {
        var job = Path.Combine(_directory.FullName, "missing", "job.json");

        var result = await InvokeAsync("run", "--job", job, "--work", Path.Combine(_directory.FullName, "work"));

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains(job, result.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory.FullName, "work")), "nothing is run for a job that does not exist");
    }

    [Fact]
    public async Task Run_CanceledBeforeItStarts_ExitsOneHundredThirty()
    {
        var job = WriteTinyJob("run-canceled");
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var result = await InvokeAsync(cancellation.Token, "run", "--job", job, "--work", Path.Combine(_directory.FullName, "work"), "--device", "cpu");

        Assert.Equal(CommandLineApp.Canceled, result.ExitCode);
        Assert.Contains("Canceled.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LocalJob_TrainsTheTinyModelAndWritesTheCandidate()
    {
        var job = WriteTinyJob("run-local");
        var work = Path.Combine(_directory.FullName, "work");

        var result = await InvokeAsync("run", "--job", job, "--work", work, "--device", "cpu", "--threads", "1");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Run run-local succeeded", result.Output, StringComparison.Ordinal);
        var status = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(work, "status.json")))!;
        Assert.Equal("Succeeded", status["status"]!.GetValue<string>());
        Assert.Equal("cpu", status["device"]!.GetValue<string>());
        Assert.InRange(status["metrics"]!["accuracy"]!.GetValue<double>(), 0.0, 1.0);
        Assert.True(File.Exists(Path.Combine(work, "candidate", "manifest.json")));
        Assert.True(File.Exists(Path.Combine(work, "candidate", "model.onnx")));
        var trainingEvent = JsonNode.Parse(Assert.Single(await File.ReadAllLinesAsync(Path.Combine(work, "training-events.jsonl"))))!;
        Assert.Equal("Succeeded", trainingEvent["status"]!.GetValue<string>());
    }

    /// <summary>A head-only job on the tiny base encoder and the tiny ham/spam texts, paths relative to the job file.</summary>
    private string WriteTinyJob(string runId)
    {
        var root = Directory.CreateDirectory(Path.Combine(_directory.FullName, runId)).FullName;
        TinyModels.WriteBaseEncoderPackage(Path.Combine(root, "base"), maxLength: 32);
        File.WriteAllLines(Path.Combine(root, "train.jsonl"),
            TinyData.Create().Examples.Select(e => JsonSerializer.Serialize(new { text = e.Text, label = e.Label })));
        var job = new JsonObject
        {
            ["runId"] = runId,
            ["model"] = "tiny-spam",
            ["base"] = "base",
            ["dataset"] = "train.jsonl",
            ["hyperparameters"] = new JsonObject { ["mode"] = "head", ["epochs"] = 1, ["batchSize"] = 16, ["maxLength"] = 32 },
        };
        var path = Path.Combine(root, "job.json");
        File.WriteAllText(path, job.ToJsonString());
        return path;
    }

    private static Task<CommandResult> InvokeAsync(params string[] args) => InvokeAsync(CancellationToken.None, args);

    private static async Task<CommandResult> InvokeAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CommandLineApp.InvokeAsync(TrainerCommandLine.Create(), args, output, error, cancellationToken);
        return new CommandResult(exitCode, output.ToString(), error.ToString());
    }

    private sealed record CommandResult(int ExitCode, string Output, string Error);
}
