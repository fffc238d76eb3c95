using Microsoft.Extensions.Logging;

namespace Serverless.Registry;

/// <summary>Source-generated logs of the registry (package storage: publish, aliases, verified cache).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Published model {Model} version {Version}: {Files} files, {Bytes} bytes")]
    public static partial void Published(ILogger logger, string model, int version, int files, long bytes);

    [LoggerMessage(101, LogLevel.Debug, "Version {Version} of model {Model} was claimed by another publisher; trying the next number")]
    public static partial void VersionTaken(ILogger logger, string model, int version);

    [LoggerMessage(102, LogLevel.Warning, "Publishing version {Version} of model {Model} failed; removing its partial files: {Reason}")]
    public static partial void PublishFailed(ILogger logger, string model, int version, string reason);

    [LoggerMessage(103, LogLevel.Warning, "Could not remove the partial files of version {Version} of model {Model}; they stay invisible without a manifest: {Reason}")]
    public static partial void CleanupFailed(ILogger logger, string model, int version, string reason);

    [LoggerMessage(104, LogLevel.Information, "Alias {Alias} of model {Model} now points at version {Version} (was {Previous})")]
    public static partial void AliasSet(ILogger logger, string model, string alias, int version, string? previous);

    [LoggerMessage(105, LogLevel.Debug, "aliases.json of model {Model} changed while setting {Alias} (attempt {Attempt}); retrying")]
    public static partial void AliasConflict(ILogger logger, string model, string alias, int attempt);

    [LoggerMessage(106, LogLevel.Information, "Downloaded and verified model {Model} version {Version}: {Bytes} bytes in {ElapsedMs:F0} ms")]
    public static partial void Downloaded(ILogger logger, string model, int version, long bytes, double elapsedMs);

    [LoggerMessage(107, LogLevel.Debug, "Model {Model} version {Version} is in the local cache and matches its manifest")]
    public static partial void CacheHit(ILogger logger, string model, int version);

    [LoggerMessage(108, LogLevel.Error, "Model {Model} version {Version} failed verification and will not be served: {Reason}")]
    public static partial void VerificationFailed(ILogger logger, string model, int version, string reason);

    [LoggerMessage(109, LogLevel.Warning, "The cached copy at {Directory} failed verification and was removed: {Reason}")]
    public static partial void CachedCopyInvalid(ILogger logger, string directory, string reason);

    [LoggerMessage(110, LogLevel.Warning, "Storage is unreachable; serving the verified cached copy of model {Model} version {Version}: {Reason}")]
    public static partial void ServingCachedDuringOutage(ILogger logger, string model, int version, string reason);

    [LoggerMessage(111, LogLevel.Warning, "The manifest of model {Model} version {Version} is unreadable; the version is not listed: {Reason}")]
    public static partial void ManifestUnreadable(ILogger logger, string model, int version, string reason);

    [LoggerMessage(112, LogLevel.Error, "The model registry at {ContainerUri} could not be reached")]
    public static partial void StorageUnavailable(ILogger logger, Uri containerUri, Exception exception);

    [LoggerMessage(130, LogLevel.Warning, "Alias {Alias} of model {Model} was not moved: it points at {Current} now, not at {Expected} as required")]
    public static partial void AliasMoved(ILogger logger, string model, string alias, string? expected, string? current);

    [LoggerMessage(131, LogLevel.Information, "Training run {RunId} already published version {Version} of model {Model}")]
    public static partial void PublishFoundRun(ILogger logger, string model, int version, string runId);

    [LoggerMessage(113, LogLevel.Error, "Model {Model} version {Version} could not be written to the local cache at {Directory}: {Reason}")]
    public static partial void CacheUnwritable(ILogger logger, string model, int version, string directory, string reason);

    [LoggerMessage(114, LogLevel.Debug, "Removed the cached files of model {Model} version {Version}")]
    public static partial void RemovedFromCache(ILogger logger, string model, string version);

    [LoggerMessage(115, LogLevel.Warning, "Could not remove the cached files of model {Model} version {Version}: {Reason}")]
    public static partial void CacheRemovalFailed(ILogger logger, string model, string version, string reason);

    [LoggerMessage(140, LogLevel.Information, "The int8 variant of an upload for model {Model}: kept {Kept}, arg-max agreement with fp32 {Agreement:P1} ({Why})")]
    public static partial void Int8VariantGated(ILogger logger, string model, bool kept, double agreement, string why);

    [LoggerMessage(144, LogLevel.Information, "The {Variant} variant of an upload for model {Model}: unpadded {Kept}, max |logit difference| against padded {Difference:0.###e0} ({Why})")]
    public static partial void UnpaddedGraphChecked(ILogger logger, string model, string variant, bool kept, double difference, string why);
}
