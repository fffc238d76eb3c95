namespace Serverless.Functions.Training.Runners;

/// <summary>
/// Which runner starts the trainer, and its settings. Section <c>Training:Runner</c> (app settings
/// <c>Training__Runner__Kind</c>, <c>Training__Runner__Local__*</c>, <c>Training__Runner__ContainerApps__*</c>); validated
/// at start by <see cref="TrainingRunnerOptionsValidator"/>, which checks only the settings of the chosen kind.
/// </summary>
public sealed class TrainingRunnerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Training:Runner";

    /// <summary><c>local</c> (default) or <c>containerapps</c>.</summary>
    public TrainingRunnerKind Kind { get; set; } = TrainingRunnerKind.Local;

    /// <summary>Settings of the <c>local</c> runner.</summary>
    public LocalTrainingRunnerOptions Local { get; set; } = new();

    /// <summary>Settings of the <c>containerapps</c> runner.</summary>
    public ContainerAppsTrainingRunnerOptions ContainerApps { get; set; } = new();
}
