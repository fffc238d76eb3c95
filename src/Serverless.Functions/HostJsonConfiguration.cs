using Microsoft.Extensions.Configuration;

namespace Serverless.Functions;

/// <summary>
/// The one reader of <c>host.json</c>: the file, then app settings prefixed <c>AzureFunctionsJobHost__</c> (e.g.
/// <c>AzureFunctionsJobHost__extensions__queues__maxDequeueCount</c>), the order in which the Functions host applies them.
/// The function app reads its retry limit from it, and the local host every setting it honours.
/// </summary>
public static class HostJsonConfiguration
{
    /// <summary>The file name the Functions host looks for in the script root.</summary>
    public const string FileName = "host.json";

    /// <summary>The app-settings section whose keys override host.json's.</summary>
    public const string OverrideSection = "AzureFunctionsJobHost";

    /// <summary>
    /// Reads <c>host.json</c> from <paramref name="directory"/> (a missing file means the Functions defaults) with the
    /// <see cref="OverrideSection"/> overrides of <paramref name="settings"/>; keys are host.json's paths, e.g.
    /// <c>extensions:queues:maxDequeueCount</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file is not valid JSON.</exception>
    public static IConfiguration Read(string directory, IConfiguration settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var path = Path.Combine(directory, FileName);
        try
        {
            return new ConfigurationBuilder()
                .AddJsonFile(path, optional: true, reloadOnChange: false)
                .AddInMemoryCollection(settings.GetSection(OverrideSection).AsEnumerable(makePathsRelative: true))
                .Build();
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidOperationException($"{path} is not valid JSON: {exception.Message}", exception);
        }
    }
}
