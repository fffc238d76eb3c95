using System.Text.Json;
using System.Text.Json.Serialization;

using Serverless.Errors;

namespace Serverless.Packages;

/// <summary>JSON settings for the package files: snake_case as Hugging Face writes them, indented for humans.</summary>
public static class PackageJson
{
    /// <summary>Options for config.json, tokenizer_config.json and manifest.json.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Reads a package JSON file or throws <see cref="InvalidModelPackageException"/> naming it.</summary>
    public static T Read<T>(string path)
    {
        var name = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw new InvalidModelPackageException($"The package has no {name}.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
                ?? throw new InvalidModelPackageException($"{name} is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidModelPackageException($"{name} is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>Writes a package JSON file.</summary>
    public static void Write<T>(string path, T value) =>
        File.WriteAllText(path, JsonSerializer.Serialize(value, Options));
}
