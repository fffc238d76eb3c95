using Microsoft.Extensions.Configuration;

namespace Serverless.Functions.Training.Runners;

/// <summary>
/// The environment the trainer starts with: the one place that decides which settings the trainer gets, for each runner.
/// The trainer job's template in infra/app/trainer.bicep holds the same names as <see cref="For"/> (a test checks it).
/// </summary>
public static class TrainerEnvironment
{
    /// <summary>The prefix of the Functions runtime's storage connection, which the trainer shares.</summary>
    public const string StorageConnection = "AzureWebJobsStorage";

    /// <summary>
    /// For a Container Apps execution: the storage endpoints with the trainer's managed identity, the identity for
    /// <c>DefaultAzureCredential</c>, then the configured extras (an extra with a name above replaces it). A start request
    /// replaces the job's template, so this is everything the container gets.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> For(ContainerAppsTrainingRunnerOptions options)
    {
        var blob = options.ResolvedBlobServiceUri() ?? throw new InvalidOperationException("The trainer's blob endpoint is not configured.");
        var queue = options.ResolvedQueueServiceUri() ?? throw new InvalidOperationException("The trainer's queue endpoint is not configured.");
        var clientId = options.TrainerClientId ?? throw new InvalidOperationException("The trainer's identity is not configured.");
        var variables = new List<KeyValuePair<string, string>>
        {
            new($"{StorageConnection}__blobServiceUri", blob.AbsoluteUri.TrimEnd('/')),
            new($"{StorageConnection}__queueServiceUri", queue.AbsoluteUri.TrimEnd('/')),
            new($"{StorageConnection}__credential", "managedidentity"),
            new($"{StorageConnection}__clientId", clientId),
            new("AZURE_CLIENT_ID", clientId),
        };
        foreach (var extra in options.Environment)
        {
            variables.RemoveAll(v => string.Equals(v.Key, extra.Name, StringComparison.Ordinal));
            variables.Add(new(extra.Name, extra.Value));
        }

        return variables;
    }

    /// <summary>
    /// For a local child process: the storage settings of this host's own configuration, in environment form
    /// (<c>AzureWebJobsStorage</c> and its <c>AzureWebJobsStorage__*</c> parts, <c>Registry__*</c>, and
    /// <c>Training__DefaultBase</c> when set), so the trainer uses the same storage whatever source the host read them from.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FromConfiguration(IConfiguration configuration)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (configuration[StorageConnection] is { Length: > 0 } connection)
        {
            variables[StorageConnection] = connection;
        }

        AddSection(StorageConnection);
        AddSection("Registry");
        if (configuration["Training:DefaultBase"] is { Length: > 0 } defaultBase)
        {
            variables["Training__DefaultBase"] = defaultBase;
        }

        return variables;

        void AddSection(string section)
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
            {
                // AsEnumerable lists the section itself (null value) and every leaf; empty settings mean "not set".
                if (!string.IsNullOrEmpty(value) && !string.Equals(key, section, StringComparison.OrdinalIgnoreCase))
                {
                    variables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                }
            }
        }
    }
}
