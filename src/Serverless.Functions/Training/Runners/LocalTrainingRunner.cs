using System.Collections.Concurrent;
using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Serverless.Training;

namespace Serverless.Functions.Training.Runners;

/// <summary>
/// Runs the trainer as a child process of this host: <c>run --run-id {runId}</c> plus the configured arguments, with
/// this host's storage settings as environment (<see cref="TrainerEnvironment.FromConfiguration"/>). The trainer's
/// stdout and stderr go to <c>{WorkDirectory}/{runId}/trainer.log</c>, written by the child itself so the file outlives
/// this host, and are uploaded to blob <c>training/{runId}/trainer.log</c> when the process exits and on every state
/// query. The execution id names the pid and its start time, so a restarted host still recognises a live trainer, and
/// never mistakes a later process that reuses the pid for it. Children still running when the runner is disposed (host
/// shutdown) are killed: the restarted host finds them gone (<see cref="TrainerExecutionState.Missing"/>) and the
/// orchestration starts the trainer again, which resumes from its checkpoint. Linux (the trainer is started through
/// <c>/bin/sh</c>, which redirects its output). Thread-safe.
/// </summary>
public sealed class LocalTrainingRunner : ITrainingRunner, IAsyncDisposable
{
    // The shell opens the log for appending (a restarted run keeps its earlier output) and then becomes the trainer
    // (exec), so the pid it was started as is the trainer's.
    private const string Launcher = "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1";
    private static readonly TimeSpan s_stopWait = TimeSpan.FromSeconds(10);

    private readonly LocalTrainingRunnerOptions _options;
    private readonly BlobContainerClient _container;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Execution> _executions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _stoppedUnknown = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _pendingUploads = new();
    private readonly SemaphoreSlim _uploadGate = new(1, 1);

    /// <summary>Creates the runner.</summary>
    /// <param name="options">The trainer, its work directory and extra arguments.</param>
    /// <param name="container">The <c>training</c> container (<see cref="TrainingStorage.Container"/>), for the logs.</param>
    /// <param name="environment">Environment variables for the trainer, on top of this process's own.</param>
    /// <param name="logger">Logger.</param>
    public LocalTrainingRunner(
        LocalTrainingRunnerOptions options,
        BlobContainerClient container,
        IReadOnlyDictionary<string, string> environment,
        ILogger<LocalTrainingRunner> logger)
    {
        _options = options;
        _container = container;
        _environment = environment;
        _logger = logger;
    }

    /// <inheritdoc />
    /// <remarks>While a trainer this runner started for <paramref name="runId"/> is still running, answers its execution.</remarks>
    /// <exception cref="TrainingRunException">No trainer is configured, or it is not where the settings say.</exception>
    public Task<string> StartAsync(string runId, CancellationToken cancellationToken)
    {
        CheckRunId(runId);
        cancellationToken.ThrowIfCancellationRequested();
        if (_executions.Values.FirstOrDefault(e => e.RunId == runId && !e.Process.HasExited) is { } running)
        {
            return Task.FromResult(running.Id);
        }

        if (string.IsNullOrWhiteSpace(_options.TrainerPath))
        {
            throw new TrainingRunException(
                "The local training runner needs the trainer: set Training__Runner__Local__TrainerPath to Serverless.Trainer.dll " +
                "(run with dotnet) or an executable (./run.sh sets it), or set Training__Runner__Kind=containerapps.");
        }

        var trainer = _options.ResolvedTrainerPath();
        if (!File.Exists(trainer))
        {
            throw new TrainingRunException(
                $"The trainer was not found at {trainer}: build src/Serverless.Trainer, or set Training__Runner__Local__TrainerPath " +
                "to Serverless.Trainer.dll or an executable.");
        }

        var logPath = LogPath(runId);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(logPath)!,
        };
        foreach (var argument in (string[])["-c", Launcher, "trainer", logPath])
        {
            start.ArgumentList.Add(argument);
        }

        if (trainer.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(DotnetHost());
        }

        foreach (var argument in (IEnumerable<string>)[trainer, "run", "--run-id", runId, .. _options.Arguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var id = "";
        process.Exited += (_, _) => OnExited(runId, id, process);
        process.Start();

        // A trainer that exits at once leaves no stamp to read; a start time of 0 never matches a live process later.
        var stamp = ProcessStamp.Read(process.Id) ?? new ProcessStamp(process.Id, 0);
        id = stamp.ToString();
        _executions[id] = new Execution(runId, id, process);
        Log.LocalStarted(_logger, runId, process.Id, id, logPath);
        return Task.FromResult(id);
    }

    /// <inheritdoc />
    /// <remarks>Uploads the trainer log first. An execution this instance did not start is Running while its process lives.</remarks>
    public async Task<TrainerExecutionState> GetStateAsync(string runId, string executionId, CancellationToken cancellationToken)
    {
        CheckRunId(runId);
        TrainerExecutionState state;
        if (_executions.TryGetValue(executionId, out var execution))
        {
            state = !execution.Process.HasExited ? TrainerExecutionState.Running
                : execution.Stopped ? TrainerExecutionState.Stopped
                : execution.Process.ExitCode == 0 ? TrainerExecutionState.Succeeded
                : TrainerExecutionState.Failed;
        }
        else
        {
            state = _stoppedUnknown.ContainsKey(executionId) ? TrainerExecutionState.Stopped
                : ProcessStamp.TryParse(executionId, out var stamp) && stamp.IsAlive() ? TrainerExecutionState.Running
                : TrainerExecutionState.Missing;
        }

        await UploadLogAsync(runId, cancellationToken);
        return state;
    }

    /// <inheritdoc />
    /// <remarks>Kills the trainer's whole process tree and waits for it to end.</remarks>
    public async Task StopAsync(string runId, string executionId, CancellationToken cancellationToken)
    {
        CheckRunId(runId);
        if (_executions.TryGetValue(executionId, out var execution))
        {
            if (!execution.Process.HasExited)
            {
                execution.Stopped = true;
                execution.Process.Kill(entireProcessTree: true);
                await execution.Process.WaitForExitAsync(cancellationToken);
                Log.Stopped(_logger, runId, executionId);
            }
        }
        else if (ProcessStamp.TryParse(executionId, out var stamp) && stamp.IsAlive())
        {
            // Started by an earlier instance of this host: not a child of this one, so its end is polled for.
            _stoppedUnknown[executionId] = true;
            try
            {
                using var process = Process.GetProcessById(stamp.ProcessId);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
            {
                // It ended meanwhile.
            }

            var deadline = DateTime.UtcNow + s_stopWait;
            while (stamp.IsAlive() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }

            Log.Stopped(_logger, runId, executionId);
        }

        await UploadLogAsync(runId, cancellationToken);
    }

    /// <summary>Kills the trainers still running and uploads their logs.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var execution in _executions.Values.Where(e => !e.Process.HasExited))
        {
            Log.KilledOnShutdown(_logger, execution.RunId, execution.Id);
            execution.Stopped = true;
            try
            {
                execution.Process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(s_stopWait);
                await execution.Process.WaitForExitAsync(timeout.Token);
            }
            catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
            {
                // Ended on its own meanwhile, or does not die: nothing more to do on shutdown.
            }
        }

        try
        {
            await Task.WhenAll(_pendingUploads.Keys).WaitAsync(s_stopWait);
        }
        catch (TimeoutException)
        {
            // A log upload that hangs must not hold the host's shutdown; the log stays in the work directory.
        }

        foreach (var execution in _executions.Values)
        {
            execution.Process.Dispose();
        }

        _uploadGate.Dispose();
    }

    private string LogPath(string runId) => Path.Combine(_options.ResolvedWorkDirectory(), runId, "trainer.log");

    private void OnExited(string runId, string executionId, Process process)
    {
        Log.LocalExited(_logger, runId, executionId, process.ExitCode);
        var upload = UploadLogAsync(runId, CancellationToken.None);
        _pendingUploads[upload] = true;
        _ = upload.ContinueWith(t => _pendingUploads.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task UploadLogAsync(string runId, CancellationToken cancellationToken)
    {
        var path = LogPath(runId);
        if (!File.Exists(path))
        {
            return;
        }

        await _uploadGate.WaitAsync(cancellationToken);
        try
        {
            // The trainer may still be writing: upload a snapshot of what is there now (a growing file breaks an upload's length).
            using var snapshot = new MemoryStream();
            await using (var log = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                await log.CopyToAsync(snapshot, cancellationToken);
            }

            await _container.GetBlobClient(TrainingStorage.Log(runId)).UploadAsync(
                new BinaryData(snapshot.GetBuffer().AsMemory(0, (int)snapshot.Length)), overwrite: true, cancellationToken);
        }
        catch (Exception exception) when (exception is RequestFailedException or IOException or AggregateException)
        {
            // Best effort: the log is diagnostics, and the next state query uploads it again.
            Log.LogUploadFailed(_logger, exception, runId);
        }
        finally
        {
            _uploadGate.Release();
        }
    }

    private static string DotnetHost() =>
        // Under `dotnet Serverless.Functions.dll` (func, the local host) this process is the dotnet host: use the same one.
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    private static void CheckRunId(string runId)
    {
        // The run id names a folder of the work directory: it must stay inside it.
        if (string.IsNullOrWhiteSpace(runId) || runId is "." or ".." || runId.IndexOfAny(['/', '\\', '\0']) >= 0)
        {
            throw new ArgumentException($"'{runId}' is not a run id.", nameof(runId));
        }
    }

    private sealed class Execution(string runId, string id, Process process)
    {
        public string RunId { get; } = runId;

        public string Id { get; } = id;

        public Process Process { get; } = process;

        public volatile bool Stopped;
    }
}
