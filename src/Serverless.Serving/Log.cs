using Microsoft.Extensions.Logging;

namespace Serverless.Serving;

/// <summary>
/// Source-generated logs of model serving: loads and variants (140s), swaps and unloads (200s). The ids are the ones these
/// messages had when serving lived in the registry, so log queries keep finding them.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(141, LogLevel.Information, "Loaded the {Variant} variant of model {Model} version {Version} on {Device} in {ElapsedMs:F0} ms")]
    public static partial void VariantLoaded(ILogger logger, string model, string version, string variant, string device, double elapsedMs);

    [LoggerMessage(142, LogLevel.Error, "The {Variant} variant of model {Model} version {Version} could not be loaded: {Reason}")]
    public static partial void VariantLoadFailed(ILogger logger, string model, string version, string variant, string reason, Exception exception);

    [LoggerMessage(143, LogLevel.Warning, "Model {Model} version {Version} serves fp32 by default: its int8 variant cannot load on this device: {Reason}")]
    public static partial void VariantFellBack(ILogger logger, string model, string version, string reason);

    [LoggerMessage(200, LogLevel.Information, "Loaded model {Model} version {Version} on {Device} in {ElapsedMs:F0} ms")]
    public static partial void ModelLoaded(ILogger logger, string model, string version, string device, double elapsedMs);

    [LoggerMessage(201, LogLevel.Error, "Model {Model} version {Version} could not be loaded: {Reason}")]
    public static partial void ModelLoadFailed(ILogger logger, string model, string version, string reason, Exception exception);

    [LoggerMessage(202, LogLevel.Information, "Alias {Alias} of model {Model} switched from version {OldVersion} to {NewVersion}")]
    public static partial void Swapped(ILogger logger, string model, string alias, string oldVersion, string newVersion);

    [LoggerMessage(203, LogLevel.Error, "Alias {Alias} of model {Model} now points at version {NewVersion}, which could not be loaded; version {OldVersion} keeps serving: {Reason}")]
    public static partial void SwapFailed(ILogger logger, string model, string alias, string oldVersion, string newVersion, string reason);

    [LoggerMessage(204, LogLevel.Warning, "Alias {Alias} of model {Model} was removed; version {Version} keeps serving it")]
    public static partial void AliasRemoved(ILogger logger, string model, string alias, string version);

    [LoggerMessage(205, LogLevel.Warning, "Could not check the aliases of model {Model}; serving continues unchanged: {Reason}")]
    public static partial void AliasPollFailed(ILogger logger, string model, string reason);

    [LoggerMessage(206, LogLevel.Information, "Unloaded model {Model} version {Version} ({Why})")]
    public static partial void Unloaded(ILogger logger, string model, string version, string why);

    [LoggerMessage(208, LogLevel.Error, "The alias watcher failed a round; it retries at the next interval")]
    public static partial void WatcherRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(209, LogLevel.Warning, "Disposing the engine of model {Model} version {Version} failed")]
    public static partial void UnloadFailed(ILogger logger, string model, string version, Exception exception);
}
