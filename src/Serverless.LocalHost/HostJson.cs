using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Serverless.Functions;

namespace Serverless.LocalHost;

/// <summary>
/// The settings of <c>host.json</c> the local host honours, read by <see cref="HostJsonConfiguration"/> the way the Functions
/// host reads them: the file, then app settings prefixed <c>AzureFunctionsJobHost__</c> (e.g.
/// <c>AzureFunctionsJobHost__extensions__http__routePrefix</c>).
/// </summary>
/// <param name="RoutePrefix">extensions.http.routePrefix (default <c>api</c>; empty for none).</param>
/// <param name="Queues">extensions.queues.</param>
/// <param name="DurableTask">extensions.durableTask.</param>
/// <param name="LogLevels">
/// logging.logLevel: the minimum level per category prefix (<c>default</c> for every other category), applied as the
/// Functions host applies it — e.g. <c>"Function": "Warning"</c> silences the per-invocation Executing/Executed lines.
/// </param>
public sealed partial record HostJson(
    string RoutePrefix, QueueTriggerOptions Queues, DurableTaskSettings DurableTask, IReadOnlyDictionary<string, LogLevel> LogLevels)
{
    /// <summary>The logging.logLevel key for categories no other key names.</summary>
    public const string DefaultLogCategory = "default";

    /// <summary>
    /// Reads <c>host.json</c> from <paramref name="scriptRoot"/> (a missing file means the Functions defaults) with the
    /// <c>AzureFunctionsJobHost</c> overrides of <paramref name="settings"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The file is not valid JSON, a queue or Durable Task setting is out of range, or a <c>%Setting%</c> it references is missing.
    /// </exception>
    public static HostJson Load(string scriptRoot, IConfiguration settings)
    {
        var path = Path.Combine(scriptRoot, HostJsonConfiguration.FileName);
        var configuration = HostJsonConfiguration.Read(scriptRoot, settings);

        var queues = new QueueTriggerOptions();
        try
        {
            configuration.GetSection("extensions:queues").Bind(queues);
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException($"{path}: extensions.queues has a value of the wrong type: {exception.Message}", exception);
        }

        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(queues, new ValidationContext(queues), errors, validateAllProperties: true))
        {
            throw new InvalidOperationException($"{path}: extensions.queues is invalid: {string.Join("; ", errors.Select(e => e.ErrorMessage))}");
        }

        var routePrefix = configuration["extensions:http:routePrefix"] ?? "api";
        return new HostJson(routePrefix.Trim('/'), queues, ReadDurableTask(configuration, settings, path), ReadLogLevels(configuration, path));
    }

    private static Dictionary<string, LogLevel> ReadLogLevels(IConfiguration configuration, string path)
    {
        var levels = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in configuration.GetSection("logging:logLevel").GetChildren())
        {
            levels[entry.Key] = Enum.TryParse<LogLevel>(entry.Value, ignoreCase: true, out var level) && Enum.IsDefined(level)
                ? level
                : throw new InvalidOperationException(
                    $"{path}: logging.logLevel.{entry.Key} is '{entry.Value}'; use Trace, Debug, Information, Warning, Error, Critical or None.");
        }

        return levels;
    }

    private static DurableTaskSettings ReadDurableTask(IConfiguration configuration, IConfiguration settings, string path)
    {
        const string Section = "extensions:durableTask";
        var hubName = configuration[$"{Section}:hubName"] is { Length: > 0 } configured
            ? AppSettingReferences.Resolve(configured, settings, setting =>
                $"{path}: extensions.durableTask.hubName uses the app setting '{setting}', and it is not set: " +
                $"add it to {LocalSettings.FileName} \"Values\" or the environment.")
            : DurableTaskSettings.DefaultHubName;
        if (!TaskHubName().IsMatch(hubName))
        {
            throw new InvalidOperationException(
                $"{path}: extensions.durableTask.hubName '{hubName}' is not a valid task hub name (3 to 45 letters and digits, starting with a letter).");
        }

        TimeSpan? pollingInterval;
        int? partitionCount;
        try
        {
            pollingInterval = configuration.GetValue<TimeSpan?>($"{Section}:storageProvider:maxQueuePollingInterval");
            partitionCount = configuration.GetValue<int?>($"{Section}:storageProvider:partitionCount");
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException($"{path}: extensions.durableTask.storageProvider has a value of the wrong type: {exception.Message}", exception);
        }

        if (pollingInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{path}: extensions.durableTask.storageProvider.maxQueuePollingInterval must be positive; it is {interval}.");
        }

        // The Azure Storage backend allows 1 to 16 control queues.
        if (partitionCount is < 1 or > 16)
        {
            throw new InvalidOperationException($"{path}: extensions.durableTask.storageProvider.partitionCount must be between 1 and 16; it is {partitionCount}.");
        }

        return new DurableTaskSettings(hubName, pollingInterval ?? DurableTaskSettings.DefaultMaxQueuePollingInterval,
            partitionCount ?? DurableTaskSettings.DefaultPartitionCount);
    }

    // The Azure Storage backend's rule: its queue, table and container names start with the hub name.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex TaskHubName();
}
