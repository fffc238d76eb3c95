namespace Serverless.Functions.Training.Runners;

/// <summary>
/// Settings of the <c>containerapps</c> runner (section <c>Training:Runner:ContainerApps</c>): the job to start, the
/// trainer container the start request sends (it replaces the job's whole template), and the trainer's storage identity.
/// </summary>
public sealed class ContainerAppsTrainingRunnerOptions
{
    /// <summary>Azure Resource Manager; a sovereign cloud has its own.</summary>
    public Uri ArmEndpoint { get; set; } = new("https://management.azure.com");

    /// <summary>The scope of the ARM token.</summary>
    public string Scope { get; set; } = "https://management.azure.com/.default";

    /// <summary>The <c>Microsoft.App</c> api-version of the requests.</summary>
    public string ApiVersion { get; set; } = "2025-07-01";

    /// <summary>Subscription of the trainer job. Required.</summary>
    public string? SubscriptionId { get; set; }

    /// <summary>Resource group of the trainer job. Required.</summary>
    public string? ResourceGroup { get; set; }

    /// <summary>Name of the trainer job (<c>Microsoft.App/jobs</c>). Required.</summary>
    public string? JobName { get; set; }

    /// <summary>The trainer image (<c>registry/name:tag</c>). Required: a start request replaces the template, image included.</summary>
    public string? Image { get; set; }

    /// <summary>Name of the container in the template.</summary>
    public string ContainerName { get; set; } = "trainer";

    /// <summary>vCPUs of the trainer replica (the workload profile bounds it).</summary>
    public double Cpu { get; set; } = 8;

    /// <summary>Memory of the trainer replica, for example <c>56Gi</c>.</summary>
    public string Memory { get; set; } = "56Gi";

    /// <summary>Arguments added after <c>run --run-id {runId}</c>.</summary>
    public IList<string> Arguments { get; set; } = [];

    /// <summary>Client id of the trainer's user-assigned identity (storage access and <c>AZURE_CLIENT_ID</c>). Required.</summary>
    public string? TrainerClientId { get; set; }

    /// <summary>The storage account the trainer uses; gives the blob and queue endpoints unless those are set.</summary>
    public string? StorageAccountName { get; set; }

    /// <summary>Blob endpoint of the storage account (overrides <see cref="StorageAccountName"/>).</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>Queue endpoint of the storage account (overrides <see cref="StorageAccountName"/>).</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>
    /// Client id of the function app's identity, which calls ARM; default <c>AZURE_CLIENT_ID</c>, as
    /// <c>DefaultAzureCredential</c> reads it.
    /// </summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Further environment variables for the trainer, sent with every start.</summary>
    public IList<TrainerEnvironmentVariable> Environment { get; set; } = [];

    /// <summary>The blob endpoint: <see cref="BlobServiceUri"/>, else the account's.</summary>
    public Uri? ResolvedBlobServiceUri() => BlobServiceUri ?? AccountEndpoint("blob");

    /// <summary>The queue endpoint: <see cref="QueueServiceUri"/>, else the account's.</summary>
    public Uri? ResolvedQueueServiceUri() => QueueServiceUri ?? AccountEndpoint("queue");

    private Uri? AccountEndpoint(string service) =>
        string.IsNullOrWhiteSpace(StorageAccountName) ? null : new Uri($"https://{StorageAccountName}.{service}.core.windows.net");
}
