using Serverless.Packages;
using Serverless.Training.Data;

namespace Serverless.Training.FineTuning;

/// <summary>
/// Where a training run's state lives: the job it reads, the data and base model it trains from, the production version
/// it is compared with, and the status, checkpoints, candidate package, evaluation and end-of-run event it writes (SPEC
/// "Training runs").
/// </summary>
public interface ITrainingRunStore
{
    /// <summary>Reads job.json.</summary>
    Task<TrainingJob> ReadJobAsync(CancellationToken cancellationToken);

    /// <summary>Reads a dataset named by the job ("container/path" in blob storage, a path locally).</summary>
    Task<LabelledDataset> ReadDatasetAsync(string location, DatasetFields fields, CancellationToken cancellationToken);

    /// <summary>Gets the base model ("name@version" or "name@alias" in the registry; locally also a package folder).</summary>
    Task<ModelPackage> GetBaseAsync(string reference, CancellationToken cancellationToken);

    /// <summary>
    /// Gets the version the <c>production</c> alias of <paramref name="model"/> points at, to score it beside the candidate;
    /// null when the model or its production alias does not exist.
    /// </summary>
    Task<(string Version, ModelPackage Package)?> GetProductionAsync(string model, CancellationToken cancellationToken);

    /// <summary>
    /// Reads status.json as an earlier attempt of the run left it; null when there is none yet, or it is not a status
    /// (a half-written or foreign file says nothing about the run).
    /// </summary>
    Task<TrainingRunStatus?> ReadStatusAsync(CancellationToken cancellationToken);

    /// <summary>Rewrites status.json.</summary>
    Task WriteStatusAsync(TrainingRunStatus status, CancellationToken cancellationToken);

    /// <summary>Writes evaluation.json: the candidate and production scored on the test split.</summary>
    Task WriteEvaluationAsync(TrainingEvaluation evaluation, CancellationToken cancellationToken);

    /// <summary>Brings the run's checkpoints (the latest of each training, if any) into <paramref name="localDirectory"/>.</summary>
    /// <exception cref="InvalidDataException">A checkpoint blob's name is not a safe path inside the folder (<see cref="LocalFolderPath"/>).</exception>
    Task RestoreCheckpointsAsync(string localDirectory, CancellationToken cancellationToken);

    /// <summary>Stores the current checkpoint of <paramref name="checkpoints"/> (latest.json last).</summary>
    Task SaveCheckpointsAsync(TrainingCheckpoints checkpoints, CancellationToken cancellationToken);

    /// <summary>Stores the candidate package (manifest last); returns its location.</summary>
    Task<string> SaveCandidateAsync(string packageDirectory, CancellationToken cancellationToken);

    /// <summary>Posts the training-events message.</summary>
    Task PostEventAsync(TrainingEvent trainingEvent, CancellationToken cancellationToken);
}
