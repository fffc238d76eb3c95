using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Serverless.Serving;

/// <summary>
/// Metrics of model serving on the meter <see cref="MeterName"/>, tagged with model.name and model.version (swaps also
/// with model.alias). Collect them with OpenTelemetry (AddMeter(ServingMetrics.MeterName)) or a MeterListener. The meter
/// comes from the host's <see cref="IMeterFactory"/>, so it lives and ends with the host's services.
/// </summary>
public sealed class ServingMetrics
{
    /// <summary>
    /// Name of the meter. It and the instrument names keep the "registry" they had before serving became its own layer:
    /// dashboards and alerts query them by name.
    /// </summary>
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

    /// <summary>Creates the instruments on the meter <see cref="MeterName"/> of <paramref name="meterFactory"/>.</summary>
    public ServingMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        Loads = meter.CreateCounter<long>(ModelLoads, "{version}", "Model versions loaded.");
        LoadFailures = meter.CreateCounter<long>(ModelLoadFailures, "{version}", "Model versions that failed to download, verify or load.");
        Swaps = meter.CreateCounter<long>(ModelSwaps, "{swap}", "Aliases switched to a new version.");
        Loading = meter.CreateUpDownCounter<long>(ModelsLoading, "{version}", "Model versions loading now.");
        Unloads = meter.CreateCounter<long>(ModelUnloads, "{version}", "Model versions unloaded.");
    }

    internal Counter<long> Loads { get; }

    internal Counter<long> LoadFailures { get; }

    internal Counter<long> Swaps { get; }

    internal UpDownCounter<long> Loading { get; }

    internal Counter<long> Unloads { get; }

    internal static TagList Tags(string name, string version) => new() { { "model.name", name }, { "model.version", version } };

    internal static TagList Tags(string name, string version, string alias) =>
        new() { { "model.name", name }, { "model.version", version }, { "model.alias", alias } };
}
