namespace Serverless.Functions.Training.Runners;

/// <summary>Where the trainer runs (setting <c>Training__Runner__Kind</c>, case-insensitive).</summary>
public enum TrainingRunnerKind
{
    /// <summary>A child process of this host (<see cref="LocalTrainingRunner"/>): development and single-machine use.</summary>
    Local,

    /// <summary>An execution of the Azure Container Apps job (<see cref="ContainerAppsTrainingRunner"/>).</summary>
    ContainerApps,
}
