using System.Text.Json;

using Serverless.Errors;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Training.Data;

namespace Serverless.Training.FineTuning;

/// <summary>
/// Run state in a local folder (development and tests): job.json anywhere, status.json, evaluation.json, checkpoints/,
/// candidate/ and training-events.jsonl (one event per line) in the work folder. Relative dataset and base paths resolve
/// against the job file's folder; the production version of model <c>m</c>, if any, is the package folder
/// <c>models/m/production</c> next to the job file, reported as version <see cref="LocalProductionVersion"/>.
/// </summary>
public sealed class LocalTrainingRunStore(string jobPath, string workDirectory) : ITrainingRunStore
{
    /// <summary>The work folder.</summary>
    public string WorkDirectory { get; } = Directory.CreateDirectory(workDirectory).FullName;

    /// <summary>Path of status.json.</summary>
    public string StatusPath => Path.Combine(WorkDirectory, "status.json");

    /// <summary>Path of the events file (one JSON event per line).</summary>
    public string EventsPath => Path.Combine(WorkDirectory, "training-events.jsonl");

    /// <summary>Folder of the candidate package.</summary>
    public string CandidateDirectory => Path.Combine(WorkDirectory, "candidate");

    /// <summary>Path of evaluation.json.</summary>
    public string EvaluationPath => Path.Combine(WorkDirectory, "evaluation.json");

    /// <summary>The version a local production package is reported as (a folder has no version number).</summary>
    public const string LocalProductionVersion = "local";

    /// <summary>The production package folder of <paramref name="model"/>: <c>models/{model}/production</c> next to the job file.</summary>
    public string ProductionDirectory(string model) => Resolve(Path.Combine("models", model, "production"));

    /// <inheritdoc />
    public Task<TrainingJob> ReadJobAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(jobPath))
        {
            throw new InvalidRequestException($"The job file {jobPath} does not exist.");
        }

        return Task.FromResult(TrainingJob.Parse(File.ReadAllText(jobPath), Path.GetFileNameWithoutExtension(WorkDirectory)));
    }

    /// <inheritdoc />
    public Task<LabelledDataset> ReadDatasetAsync(string location, DatasetFields fields, CancellationToken cancellationToken) =>
        Task.FromResult(DatasetLoader.LoadFile(Resolve(location), fields));

    /// <inheritdoc />
    public Task<ModelPackage> GetBaseAsync(string reference, CancellationToken cancellationToken)
    {
        var directory = Resolve(reference);
        if (!Directory.Exists(directory))
        {
            throw new ModelNotFoundException($"The base model folder {directory} does not exist: locally, \"base\" is a package folder.");
        }

        return Task.FromResult(ModelPackage.Open(directory));
    }

    /// <inheritdoc />
    public Task<(string Version, ModelPackage Package)?> GetProductionAsync(string model, CancellationToken cancellationToken)
    {
        ModelNames.Validate(model);
        var directory = ProductionDirectory(model);
        (string Version, ModelPackage Package)? production = Directory.Exists(directory)
            ? (LocalProductionVersion, ModelPackage.Open(directory))
            : null;
        return Task.FromResult(production);
    }

    /// <inheritdoc />
    public Task<TrainingRunStatus?> ReadStatusAsync(CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(StatusPath) ? TrainingRunStatus.TryParse(File.ReadAllText(StatusPath)) : null);

    /// <inheritdoc />
    public Task WriteStatusAsync(TrainingRunStatus status, CancellationToken cancellationToken)
    {
        WriteJson(StatusPath, JsonSerializer.Serialize(status, TrainingJob.JsonOptions));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task WriteEvaluationAsync(TrainingEvaluation evaluation, CancellationToken cancellationToken)
    {
        WriteJson(EvaluationPath, JsonSerializer.Serialize(evaluation, TrainingJob.JsonOptions));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RestoreCheckpointsAsync(string localDirectory, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task SaveCheckpointsAsync(TrainingCheckpoints checkpoints, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<string> SaveCandidateAsync(string packageDirectory, CancellationToken cancellationToken) => Task.FromResult(packageDirectory);

    /// <inheritdoc />
    public Task PostEventAsync(TrainingEvent trainingEvent, CancellationToken cancellationToken)
    {
        File.AppendAllText(EventsPath, JsonSerializer.Serialize(trainingEvent, TrainingJob.JsonOptions) + "\n");
        return Task.CompletedTask;
    }

    // Readers never see a half-written file.
    private static void WriteJson(string path, string json)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, json);
        File.Move(temporary, path, overwrite: true);
    }

    private string Resolve(string location) =>
        Path.IsPathRooted(location) ? location : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(jobPath))!, location));
}
