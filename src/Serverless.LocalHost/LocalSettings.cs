using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serverless.LocalHost;

/// <summary>
/// App settings as <c>func start</c> supplies them: <c>Values</c> and <c>ConnectionStrings</c> of
/// <c>local.settings.json</c> in the script root, over the defaults of <c>local.settings.sample.json</c> beside it.
/// Keys keep the Functions spelling (<c>Serving__Device</c>) and are read as configuration sections (<c>Serving:Device</c>),
/// exactly as environment variables are.
/// </summary>
public static class LocalSettings
{
    /// <summary>The settings file <c>func</c> reads.</summary>
    public const string FileName = "local.settings.json";

    /// <summary>The committed sample whose values are the defaults.</summary>
    public const string SampleFileName = "local.settings.sample.json";

    /// <summary>Adds the sample's and then the local file's settings (later sources win).</summary>
    public static IConfigurationBuilder AddLocalSettings(this IConfigurationBuilder builder, string scriptRoot)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var name in new[] { SampleFileName, FileName })
        {
            var path = Path.Combine(scriptRoot, name);
            if (File.Exists(path))
            {
                builder.AddInMemoryCollection(Read(path));
            }
        }

        return builder;
    }

    /// <summary>Reads one settings file into configuration keys.</summary>
    /// <exception cref="InvalidOperationException">The file is not valid JSON or <c>Values</c> is not an object.</exception>
    public static IReadOnlyDictionary<string, string?> Read(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"{path} is not valid JSON: {exception.Message}", exception);
        }

        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (root is not JsonObject file)
        {
            throw new InvalidOperationException($"{path} must hold a JSON object with a \"Values\" object.");
        }

        AddSection(file, "Values", prefix: "", path, settings);
        AddSection(file, "ConnectionStrings", prefix: "ConnectionStrings:", path, settings);
        return settings;
    }

    private static void AddSection(JsonObject file, string section, string prefix, string path, Dictionary<string, string?> settings)
    {
        switch (file[section])
        {
            case null:
                return;
            case JsonObject values:
                foreach (var (key, value) in values)
                {
                    settings[prefix + key.Replace("__", ":", StringComparison.Ordinal)] = value switch
                    {
                        null => null,
                        JsonValue scalar when scalar.TryGetValue(out string? text) => text,
                        _ => value.ToJsonString(),
                    };
                }

                return;
            default:
                throw new InvalidOperationException($"{path}: \"{section}\" must be an object of setting names to values.");
        }
    }
}
