using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Serverless.Registry;

/// <summary>
/// Metrics of model serving on the meter <see cref="MeterName"/>, tagged with model.name and model.version (swaps also
/// with model.alias). Collect them with OpenTelemetry (AddMeter(RegistryMetrics.MeterName)) or a MeterListener.
/// </summary>
public static class RegistryMetrics
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "Serverless.Registry";

    /// <summary>Model versions loaded (downloaded, verified, engine created and warmed).</summary>
    public const string ModelLoads = "serverless.registry.model.loads";

    /// <summary>Model versions that failed to download, verify or load.</summary>
    public const string ModelLoadFailures = "serverless.registry.model.load_failures";

    /// <summary>Aliases switched to a new version by the watcher.</summary>
    public const string ModelSwaps = "serverless.registry.model.swaps";

    /// <summary>Versions unloaded because they were least recently used or swapped out.</summary>
    public const string ModelUnloads = "serverless.registry.model.unloads";

    /// <summary>Model versions loading now (downloading, verifying, creating the engine); at most Registry:MaxConcurrentLoads.</summary>
    public const string ModelsLoading = "serverless.registry.model.loading";

    private static readonly Meter s_meter = new(MeterName);

    internal static readonly Counter<long> Loads = s_meter.CreateCounter<long>(ModelLoads, "{version}", "Model versions loaded.");
    internal static readonly Counter<long> LoadFailures = s_meter.CreateCounter<long>(ModelLoadFailures, "{version}", "Model versions that failed to download, verify or load.");
    internal static readonly Counter<long> Swaps = s_meter.CreateCounter<long>(ModelSwaps, "{swap}", "Aliases switched to a new version.");
    internal static readonly UpDownCounter<long> Loading = s_meter.CreateUpDownCounter<long>(ModelsLoading, "{version}", "Model versions loading now.");
    internal static readonly Counter<long> Unloads = s_meter.CreateCounter<long>(ModelUnloads, "{version}", "Model versions unloaded.");

    internal static TagList Tags(string name, string version) => new() { { "model.name", name }, { "model.version", version } };

    internal static TagList Tags(string name, string version, string alias) =>
        new() { { "model.name", name }, { "model.version", version }, { "model.alias", alias } };
}
