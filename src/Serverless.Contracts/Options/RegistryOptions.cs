using System.ComponentModel.DataAnnotations;

namespace Serverless.Options;

/// <summary>The model registry in blob storage. Section "Registry".</summary>
public sealed class RegistryOptions
{
    public const string Section = "Registry";

    /// <summary>Connection string of the models storage; empty means the AzureWebJobsStorage connection.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Blob service URI used with managed identity instead of a connection string (Azure).</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>Blob container of the registry.</summary>
    [Required]
    public string Container { get; set; } = "models";

    /// <summary>
    /// Local folder where downloaded versions are cached; empty means a per-user folder under the temp path
    /// (serverless-models-{uid}). It is created readable and writable by this process's user only, and refused when
    /// another user owns it or others may write to it.
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>How often served aliases are checked for a new version.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan AliasPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many model versions are kept loaded at once (least recently used first out).</summary>
    [Range(1, 64)]
    public int MaxLoadedVersions { get; set; } = 3;

    /// <summary>How many model versions may be downloading and loading at the same time; more requests wait their turn.</summary>
    [Range(1, 16)]
    public int MaxConcurrentLoads { get; set; } = 2;
}
