using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Functions.Training;
using Serverless.Functions.Training.Runners;
using Serverless.Testing;
using Serverless.Training;

namespace Serverless.Functions.Tests.Training.Runners;

[Collection(AzuriteCollection.Name)]
public sealed class LocalTrainingRunnerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    // Stands in for the trainer: prints its arguments and one setting of its environment, runs `sleep $4` as a child
    // (its pid in sleep.pid, to check the whole tree is killed), then exits with code $5.
    private const string FakeTrainer = """
        #!/bin/sh
        echo "trainer args: $*"
        echo "registry container: $Registry__Container" >&2
        sleep "$4" &
        echo $! > sleep.pid
        wait $!
        exit "$5"
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("runner-tests-").FullName;
    private BlobContainerClient _container = null!;

    public async Task InitializeAsync()
    {
        _container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(azurite.UniqueName(TrainingStorage.Container));
        await _container.CreateAsync();
        var script = Path.Combine(_directory, "trainer.sh");
        await File.WriteAllTextAsync(script, FakeTrainer.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Start_TrainerExitsWithZero_RunsThenSucceedsAndItsLogIsUploaded()
    {
        await using var runner = Runner(sleepSeconds: "1", exitCode: "0");
        var ct = AzuriteFixture.TestTimeout();

        var id = await runner.StartAsync("run-ok", ct);

        Assert.Equal(TrainerExecutionState.Running, await runner.GetStateAsync("run-ok", id, ct));
        Assert.Equal(TrainerExecutionState.Succeeded, await WaitForEndAsync(runner, "run-ok", id, ct));
        var log = (await _container.GetBlobClient(TrainingStorage.Log("run-ok")).DownloadContentAsync(ct)).Value.Content.ToString();
        Assert.Contains("trainer args: run --run-id run-ok 1 0", log, StringComparison.Ordinal);
        Assert.Contains("registry container: models-under-test", log, StringComparison.Ordinal);
        Assert.Equal(log, await File.ReadAllTextAsync(Path.Combine(_directory, "work", "run-ok", "trainer.log"), ct));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Start_TrainerExitsWithNonZero_Fails()
    {
        await using var runner = Runner(sleepSeconds: "0", exitCode: "3");
        var ct = AzuriteFixture.TestTimeout();

        var id = await runner.StartAsync("run-bad", ct);

        Assert.Equal(TrainerExecutionState.Failed, await WaitForEndAsync(runner, "run-bad", id, ct));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Stop_RunningTrainer_IsStoppedAndItsWholeProcessTreeIsGone()
    {
        await using var runner = Runner(sleepSeconds: "60", exitCode: "0");
        var ct = AzuriteFixture.TestTimeout();
        var id = await runner.StartAsync("run-stop", ct);
        var sleeper = await ChildPidAsync("run-stop", ct);

        await runner.StopAsync("run-stop", id, ct);

        Assert.Equal(TrainerExecutionState.Stopped, await runner.GetStateAsync("run-stop", id, ct));
        Assert.True(ProcessStamp.TryParse(id, out var trainer));
        Assert.Null(ProcessStamp.Read(trainer.ProcessId));
        await WaitUntilGoneAsync(sleeper, ct);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Start_SameRunWhileItsTrainerRuns_AnswersTheRunningExecution()
    {
        await using var runner = Runner(sleepSeconds: "60", exitCode: "0");
        var ct = AzuriteFixture.TestTimeout();

        var first = await runner.StartAsync("run-twice", ct);
        var second = await runner.StartAsync("run-twice", ct);

        Assert.Equal(first, second);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task GetState_AfterHostRestart_IsRunningForALiveTrainerAndMissingForAnEndedOne()
    {
        var ct = AzuriteFixture.TestTimeout();
        await using var before = Runner(sleepSeconds: "60", exitCode: "0");
        var live = await before.StartAsync("run-live", ct);
        await using var quick = Runner(sleepSeconds: "0", exitCode: "0");
        var ended = await quick.StartAsync("run-ended", ct);
        Assert.Equal(TrainerExecutionState.Succeeded, await WaitForEndAsync(quick, "run-ended", ended, ct));

        await using var after = Runner(sleepSeconds: "60", exitCode: "0");

        Assert.Equal(TrainerExecutionState.Running, await after.GetStateAsync("run-live", live, ct));
        Assert.Equal(TrainerExecutionState.Missing, await after.GetStateAsync("run-ended", ended, ct));
        Assert.Equal(TrainerExecutionState.Missing, await after.GetStateAsync("run-live", "local-999999999-1", ct));

        await after.StopAsync("run-live", live, ct);
        Assert.Equal(TrainerExecutionState.Stopped, await after.GetStateAsync("run-live", live, ct));
        Assert.True(ProcessStamp.TryParse(live, out var stamp));
        Assert.False(stamp.IsAlive());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Dispose_HostShutsDown_KillsTheTrainersStillRunning()
    {
        var ct = AzuriteFixture.TestTimeout();
        var runner = Runner(sleepSeconds: "60", exitCode: "0");
        var id = await runner.StartAsync("run-shutdown", ct);
        var sleeper = await ChildPidAsync("run-shutdown", ct);

        await runner.DisposeAsync();

        Assert.True(ProcessStamp.TryParse(id, out var stamp));
        Assert.False(stamp.IsAlive());
        await WaitUntilGoneAsync(sleeper, ct);
    }

    [Fact]
    public async Task Start_TrainerPathDoesNotExist_FailsSayingWhatToSet()
    {
        await using var runner = new LocalTrainingRunner(
            new LocalTrainingRunnerOptions { TrainerPath = Path.Combine(_directory, "missing.dll"), WorkDirectory = Path.Combine(_directory, "work") },
            _container, new Dictionary<string, string>(), NullLogger<LocalTrainingRunner>.Instance);

        var error = await Assert.ThrowsAsync<TrainingRunException>(() => runner.StartAsync("run-x", CancellationToken.None));

        Assert.Contains("Training__Runner__Local__TrainerPath", error.Message, StringComparison.Ordinal);
    }

    private LocalTrainingRunner Runner(string sleepSeconds, string exitCode) => new(
        new LocalTrainingRunnerOptions
        {
            TrainerPath = Path.Combine(_directory, "trainer.sh"),
            WorkDirectory = Path.Combine(_directory, "work"),
            Arguments = [sleepSeconds, exitCode],
        },
        _container,
        new Dictionary<string, string> { ["Registry__Container"] = "models-under-test" },
        NullLogger<LocalTrainingRunner>.Instance);

    private static async Task<TrainerExecutionState> WaitForEndAsync(LocalTrainingRunner runner, string runId, string id, CancellationToken ct)
    {
        while (true)
        {
            var state = await runner.GetStateAsync(runId, id, ct);
            if (state != TrainerExecutionState.Running)
            {
                return state;
            }

            await Task.Delay(50, ct);
        }
    }

    private async Task<int> ChildPidAsync(string runId, CancellationToken ct)
    {
        var file = Path.Combine(_directory, "work", runId, "sleep.pid");
        while (!File.Exists(file) || (await File.ReadAllTextAsync(file, ct)).Trim().Length == 0)
        {
            await Task.Delay(20, ct);
        }

        return int.Parse(await File.ReadAllTextAsync(file, ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitUntilGoneAsync(int pid, CancellationToken ct)
    {
        // The grandchild is reaped by init once its parent is gone: give that a moment.
        for (var i = 0; i < 100 && ProcessStamp.Read(pid) is not null; i++)
        {
            await Task.Delay(20, ct);
        }

        Assert.Null(ProcessStamp.Read(pid));
    }
}
