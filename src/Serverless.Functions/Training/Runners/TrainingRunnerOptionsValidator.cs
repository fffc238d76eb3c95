using Microsoft.Extensions.Options;

namespace Serverless.Functions.Training.Runners;

/// <summary>
/// Checks the settings of the chosen runner at start, each failure naming the app setting to set. The other kind's
/// settings are not checked, so a local host needs nothing about Azure and the cloud app nothing about a trainer path.
/// </summary>
public sealed class TrainingRunnerOptionsValidator : IValidateOptions<TrainingRunnerOptions>
{
        private const string ContainerApps = "Training__Runner__ContainerApps__";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TrainingRunnerOptions options)
    {
        var failures = options.Kind switch
        {
            // The local trainer path is checked when a run starts (the run fails saying what to set): an app that only serves needs none.
            TrainingRunnerKind.Local => [],
            TrainingRunnerKind.ContainerApps => ValidateContainerApps(options.ContainerApps),
            _ => [$"Training__Runner__Kind '{options.Kind}' is not a runner: set it to local or containerapps."],
        };
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static List<string> ValidateContainerApps(ContainerAppsTrainingRunnerOptions job)
    {
        var failures = new List<string>();
        Require(job.SubscriptionId, "SubscriptionId", "the subscription id of the trainer job");
        Require(job.ResourceGroup, "ResourceGroup", "the resource group of the trainer job");
        Require(job.JobName, "JobName", "the name of the Container Apps job that runs the trainer");
        Require(job.Image, "Image", "the trainer image (a start replaces the job's template, image included)");
        Require(job.TrainerClientId, "TrainerClientId", "the client id of the trainer's user-assigned identity");
        Require(job.ApiVersion, "ApiVersion", "a Microsoft.App api-version such as 2025-07-01");
        Require(job.ContainerName, "ContainerName", "the container name of the job's template (trainer)");
        Require(job.Memory, "Memory", "the memory of the trainer replica, for example 56Gi");
        Require(job.Scope, "Scope", "the scope of the ARM token, https://management.azure.com/.default");
        if (job.ResolvedBlobServiceUri() is null || job.ResolvedQueueServiceUri() is null)
        {
            failures.Add($"The trainer needs its storage: set {ContainerApps}StorageAccountName, or both " +
                $"{ContainerApps}BlobServiceUri and {ContainerApps}QueueServiceUri.");
        }

        if (job.ArmEndpoint is not { IsAbsoluteUri: true })
        {
            failures.Add($"{ContainerApps}ArmEndpoint must be an absolute URI such as https://management.azure.com.");
        }

        if (job.Cpu is <= 0 or > 96 || double.IsNaN(job.Cpu))
        {
            failures.Add($"{ContainerApps}Cpu must be between 0 and 96 vCPUs (the workload profile bounds it).");
        }

        for (var i = 0; i < job.Environment.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(job.Environment[i].Name))
            {
                failures.Add($"{ContainerApps}Environment__{i} has no name: set {ContainerApps}Environment__{i}__Name.");
            }
        }

        return failures;

        void Require(string? value, string setting, string what)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                failures.Add($"The containerapps training runner needs {what}: set {ContainerApps}{setting}.");
            }
        }
    }
}
