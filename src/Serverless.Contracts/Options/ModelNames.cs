using System.Text.RegularExpressions;

using Serverless.Errors;

namespace Serverless.Options;

/// <summary>
/// The name rule of the SPEC, <c>^[a-z0-9][a-z0-9-]{0,62}$</c>: model names, and the run ids and aliases that follow the
/// same rule (an alias is also never all digits: see <c>RegistryNames.IsAlias</c>). Every check of such a name calls this.
/// </summary>
public static partial class ModelNames
{
    /// <summary>1–63 lower-case letters, digits and hyphens, starting with a letter or digit.</summary>
    public const string Pattern = "^[a-z0-9][a-z0-9-]{0,62}$";

    /// <summary>True when the name is a valid model name.</summary>
    public static bool IsValid(string? name) => name is not null && NameRegex().IsMatch(name);

    /// <summary>Throws a 400 when the name is not a valid model name.</summary>
    public static string Validate(string? name) => IsValid(name)
        ? name!
        : throw new InvalidRequestException($"'{CallerInput.Excerpt(name)}' is not a valid model name: use 1–63 lower-case letters, digits and hyphens, starting with a letter or digit.", ProblemTypes.InvalidModelName);

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();
}
