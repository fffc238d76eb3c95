using Microsoft.Extensions.Configuration;
using Serverless.Options;

namespace Serverless.Registry;

/// <summary>
/// One storage connection read from the app settings the way the Functions runtime reads a connection named X — a
/// connection string in <c>X</c>, <c>ConnectionStrings:X</c> or <c>AzureWebJobsX</c>, or an identity-based connection in
/// <c>X:blobServiceUri</c> / <c>X:queueServiceUri</c> or <c>X:accountName</c>, with <c>X:credential</c> (managedidentity)
/// and <c>X:clientId</c> — turned into the section Microsoft.Extensions.Azure binds (<c>connectionString</c> or
/// <c>serviceUri</c>, plus <c>credential</c> and <c>clientId</c>). The only place these setting names are spelled.
/// </summary>
internal sealed class StorageConnection
{
    /// <summary>The Functions runtime's own connection: queues, the results container, and by default the models.</summary>
    public const string Host = "AzureWebJobsStorage";

    // The Functions runtime also accepts a connection string under this prefix (AzureWebJobsX for connection X).
    private const string RuntimePrefix = "AzureWebJobs";

    private readonly bool _models;
    private readonly string? _invalid;

    private StorageConnection(
        string name, string? connectionString, Uri? blobServiceUri, Uri? queueServiceUri, string? credential, string? clientId,
        bool models = false, string? invalid = null)
    {
        Name = name;
        ConnectionString = connectionString;
        BlobServiceUri = blobServiceUri;
        QueueServiceUri = queueServiceUri;
        Credential = credential;
        ClientId = clientId;
        _models = models;
        _invalid = invalid;
    }

    /// <summary>The connection name the settings were read under.</summary>
    public string Name { get; }

    /// <summary>The connection string, when the connection is one (Azurite, or an account key).</summary>
    public string? ConnectionString { get; }

    /// <summary>The blob endpoint of an identity-based connection.</summary>
    public Uri? BlobServiceUri { get; }

    /// <summary>The queue endpoint of an identity-based connection.</summary>
    public Uri? QueueServiceUri { get; }

    /// <summary>The credential kind of an identity-based connection (<c>managedidentity</c>), if set.</summary>
    public string? Credential { get; }

    /// <summary>The client id of a user-assigned managed identity, if set.</summary>
    public string? ClientId { get; }

    /// <summary>Reads the connection named <paramref name="name"/>; the result may be unconfigured (<see cref="IsConfigured"/>).</summary>
    public static StorageConnection Resolve(IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        foreach (var key in new[] { name, $"ConnectionStrings:{name}", RuntimePrefix + name })
        {
            if (!string.IsNullOrWhiteSpace(configuration[key]))
            {
                return new StorageConnection(name, configuration[key], null, null, null, null);
            }
        }

        foreach (var key in new[] { name, RuntimePrefix + name })
        {
            var section = configuration.GetSection(key);
            var account = NonEmpty(section["accountName"]);
            var blob = section["blobServiceUri"];
            var queue = section["queueServiceUri"];
            if (account is null && string.IsNullOrWhiteSpace(blob) && string.IsNullOrWhiteSpace(queue))
            {
                continue;
            }

            var invalid = Invalid($"{key}__blobServiceUri", blob) ?? Invalid($"{key}__queueServiceUri", queue)
                ?? (account is null || Uri.CheckHostName(account) == UriHostNameType.Dns ? null : $"{key}__accountName '{account}' is not a storage account name.");
            return new StorageConnection(
                name,
                null,
                invalid is null ? EndpointOf(blob, account, "blob") : null,
                invalid is null ? EndpointOf(queue, account, "queue") : null,
                NonEmpty(section["credential"]),
                NonEmpty(section["clientId"]),
                invalid: invalid);
        }

        return new StorageConnection(name, null, null, null, null, null);
    }

    /// <summary>
    /// The models storage: <c>Registry:ConnectionString</c>, else <c>Registry:ServiceUri</c> with the identity of the
    /// <see cref="Host"/> connection, else the <see cref="Host"/> connection itself.
    /// </summary>
    public static StorageConnection ResolveModels(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var registry = configuration.GetSection(RegistryOptions.Section);
        var host = Resolve(configuration, Host);
        if (NonEmpty(registry[nameof(RegistryOptions.ConnectionString)]) is { } connectionString)
        {
            return new StorageConnection(RegistryOptions.Section, connectionString, null, null, null, null, models: true);
        }

        if (NonEmpty(registry[nameof(RegistryOptions.ServiceUri)]) is { } serviceUri)
        {
            var invalid = Invalid($"{RegistryOptions.Section}__{nameof(RegistryOptions.ServiceUri)}", serviceUri);
            return new StorageConnection(
                RegistryOptions.Section, null, invalid is null ? new Uri(serviceUri) : null, null, host.Credential, host.ClientId, models: true, invalid);
        }

        return new StorageConnection(
            host.Name, host.ConnectionString, host.BlobServiceUri, host.QueueServiceUri, host.Credential, host.ClientId, models: true, host._invalid);
    }

    /// <summary>True when <paramref name="service"/> can be reached: a connection string, or an endpoint for it.</summary>
    public bool IsConfigured(StorageService service) => _invalid is null && (ConnectionString is not null || EndpointOf(service) is not null);

    /// <summary>The endpoint of <paramref name="service"/> of an identity-based connection.</summary>
    public Uri? EndpointOf(StorageService service) => service == StorageService.Blob ? BlobServiceUri : QueueServiceUri;

    /// <summary>Throws, saying what to set, unless <paramref name="service"/> is configured.</summary>
    /// <exception cref="InvalidOperationException">The settings are missing or malformed.</exception>
    public void EnsureConfigured(StorageService service)
    {
        if (_invalid is not null)
        {
            throw new InvalidOperationException($"The storage connection '{Name}' is misconfigured: {_invalid}");
        }

        if (!IsConfigured(service))
        {
            throw new InvalidOperationException(_models
                ? "No models storage is configured: set Registry__ConnectionString or AzureWebJobsStorage to a connection string " +
                  "(UseDevelopmentStorage=true for Azurite), or, for a managed identity, Registry__ServiceUri or " +
                  "AzureWebJobsStorage__blobServiceUri (https://<account>.blob.core.windows.net) or AzureWebJobsStorage__accountName."
                : $"The storage connection '{Name}' has no {service.ToString().ToLowerInvariant()} endpoint: set {Name} to a connection " +
                  $"string (UseDevelopmentStorage=true for Azurite), or, for a managed identity, {Name}__accountName or " +
                  $"{Name}__{service.ToString().ToLowerInvariant()}ServiceUri (with {Name}__credential=managedidentity and " +
                  $"{Name}__clientId for a user-assigned identity), in the app settings (local.settings.json \"Values\" locally) " +
                  "or the environment.");
        }
    }

    /// <summary>
    /// The section Microsoft.Extensions.Azure builds a <paramref name="service"/> client from: <c>connectionString</c>, or
    /// <c>serviceUri</c> with <c>credential</c> and <c>clientId</c> where set (without <c>credential</c>, the builder's
    /// default credential applies). Empty when the service is not configured.
    /// </summary>
    public IConfiguration ToSection(StorageService service)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (IsConfigured(service))
        {
            if (ConnectionString is not null)
            {
                values["connectionString"] = ConnectionString;
            }
            else
            {
                values["serviceUri"] = EndpointOf(service)!.AbsoluteUri;
                values["credential"] = Credential;
                values["clientId"] = ClientId;
            }
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values.Where(pair => pair.Value is not null)).Build();
    }

    private static Uri? EndpointOf(string? serviceUri, string? account, string service) =>
        NonEmpty(serviceUri) is { } uri ? new Uri(uri)
        : account is null ? null
        : new Uri($"https://{account}.{service}.core.windows.net");

    private static string? Invalid(string setting, string? value) =>
        string.IsNullOrWhiteSpace(value) || Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? null
            : $"{setting} '{value}' is not an absolute http(s) URI.";

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
