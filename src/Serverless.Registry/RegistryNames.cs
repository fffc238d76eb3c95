using System.Globalization;
using System.Text.RegularExpressions;
using Serverless.Errors;
using Serverless.Options;

namespace Serverless.Registry;

/// <summary>Validation of versions, aliases and blob-folder sources, so no caller input becomes an arbitrary path.</summary>
public static partial class RegistryNames
{
    /// <summary>The alias serving follows by default and a passing training run moves.</summary>
    public const string ProductionAlias = "production";

    /// <summary>The alias a training run that awaits approval points at its version.</summary>
    public const string CandidateAlias = "candidate";

    /// <summary>
    /// Splits a model reference: <c>name</c> (its <see cref="ProductionAlias"/>), <c>name@version</c> or <c>name@alias</c>.
    /// Neither part is validated here.
    /// </summary>
    public static (string Name, string VersionOrAlias) ParseReference(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? (reference, ProductionAlias) : (reference[..at], reference[(at + 1)..]);
    }

    /// <summary>Parses a version: a positive integer, written without sign or leading zeros.</summary>
    /// <exception cref="InvalidRequestException">The text is not a positive integer.</exception>
    public static int ParseVersion(string? version) => TryParseVersion(version, out var number)
        ? number
        : throw new InvalidRequestException(
            $"'{CallerInput.Excerpt(version)}' is not a valid version: versions are positive integers such as \"3\".", ProblemTypes.InvalidVersion);

    /// <summary>True when the text is a positive integer version in canonical form.</summary>
    public static bool TryParseVersion(string? version, out int number)
    {
        number = 0;
        return version is { Length: > 0 and <= 9 } && version[0] is >= '1' and <= '9' &&
            int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>True when the text names a version (all digits) rather than an alias.</summary>
    public static bool LooksLikeVersion(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);

    /// <summary>True when the text is an alias: the model-name rules, and not all digits (that would read as a version).</summary>
    public static bool IsAlias(string? alias) => ModelNames.IsValid(alias) && !LooksLikeVersion(alias!);

    /// <summary>True when the text is a version in canonical form or an alias: what a request may name after a model.</summary>
    public static bool IsVersionOrAlias(string? text) => TryParseVersion(text, out _) || IsAlias(text);

    /// <summary>Validates an alias (<see cref="IsAlias"/>).</summary>
    /// <exception cref="InvalidRequestException">The alias is invalid.</exception>
    public static string ValidateAlias(string? alias) => IsAlias(alias)
        ? alias!
        : throw new InvalidRequestException(
            $"'{CallerInput.Excerpt(alias)}' is not a valid alias: use 1–63 lower-case letters, digits and hyphens, starting with a letter or digit and not all digits (that is a version), e.g. \"production\".",
            ProblemTypes.InvalidAlias);

    /// <summary>
    /// True when the text is a valid blob container or queue name (Azure Storage gives both one rule): 3–63 lower-case
    /// letters, digits and single hyphens, starting and ending with a letter or digit.
    /// </summary>
    public static bool IsStorageName(string? name) =>
        name is not null && StorageName().IsMatch(name) && !name.Contains("--", StringComparison.Ordinal);

    /// <summary>
    /// Parses a blob-folder source "container/prefix/" (container name rules; no empty, "." or ".." segments, no
    /// backslashes or control characters). The prefix is returned with a trailing slash, or empty for a whole container.
    /// </summary>
    /// <exception cref="InvalidRequestException">The source is not a valid blob folder.</exception>
    public static (string Container, string Prefix) ParseSource(string? source)
    {
        var trimmed = source?.Trim().TrimStart('/') ?? "";
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? trimmed : trimmed[..slash];
        var prefix = slash < 0 ? "" : trimmed[(slash + 1)..];
        if (!IsStorageName(container))
        {
            throw InvalidSource(source, $"'{container}' is not a valid container name (3–63 lower-case letters, digits and single hyphens)");
        }

        if (prefix.Length > 1000 || prefix.Any(c => char.IsControl(c) || c == '\\'))
        {
            throw InvalidSource(source, "the folder path is too long or has backslashes or control characters");
        }

        var segments = prefix.TrimEnd('/').Split('/');
        if (prefix.Length > 0 && segments.Any(s => s is "" or "." or ".."))
        {
            throw InvalidSource(source, "the folder path has an empty, '.' or '..' segment");
        }

        return (container, prefix.Length == 0 ? "" : prefix.TrimEnd('/') + "/");
    }

    private static InvalidRequestException InvalidSource(string? source, string reason) => new(
        $"'{source}' is not a valid source: {reason}. Give the blob folder holding the package as \"container/folder/\", e.g. \"uploads/my-model/\".",
        ProblemTypes.InvalidSource);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex StorageName();
}
