namespace Serverless.Functions.Training.Runners;

/// <summary>Settings of the <c>local</c> runner (section <c>Training:Runner:Local</c>).</summary>
public sealed class LocalTrainingRunnerOptions
{
    /// <summary>
    /// The trainer program: <c>Serverless.Trainer.dll</c> (run with <c>dotnet</c>) or an executable. A relative path is
    /// taken from the host's own folder (<see cref="AppContext.BaseDirectory"/>), so the same value serves the function app
    /// and the local host built side by side. Required; <c>./run.sh</c> sets it.
    /// </summary>
    public string? TrainerPath { get; set; }

    /// <summary>Where each run's <c>{runId}/trainer.log</c> is written; default <c>{temp}/serverless-training</c>.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Arguments added after <c>run --run-id {runId}</c>, for example <c>--device cpu</c>.</summary>
    public IList<string> Arguments { get; set; } = [];

    /// <summary><see cref="TrainerPath"/> as an absolute path.</summary>
    public string ResolvedTrainerPath() =>
        Path.GetFullPath(TrainerPath ?? throw new InvalidOperationException("Training:Runner:Local:TrainerPath is not set."), AppContext.BaseDirectory);

    /// <summary><see cref="WorkDirectory"/> as an absolute path, or its default.</summary>
    public string ResolvedWorkDirectory() => string.IsNullOrWhiteSpace(WorkDirectory)
        ? Path.Combine(Path.GetTempPath(), "serverless-training")
        : Path.GetFullPath(WorkDirectory, AppContext.BaseDirectory);
}
