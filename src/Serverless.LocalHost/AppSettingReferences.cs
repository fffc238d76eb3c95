using System.Text.RegularExpressions;

namespace Serverless.LocalHost;

/// <summary>Resolves <c>%Setting%</c> references in binding expressions and host.json values, as the Functions host does.</summary>
internal static partial class AppSettingReferences
{
    /// <summary>Replaces each <c>%Name%</c> in <paramref name="text"/> by the app setting's value.</summary>
    /// <exception cref="InvalidOperationException">A referenced setting is missing; the message comes from <paramref name="missing"/>.</exception>
    public static string Resolve(string text, IConfiguration configuration, Func<string, string> missing) =>
        SettingReference().Replace(text, match => configuration[match.Groups[1].Value] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(missing(match.Groups[1].Value)));

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingReference();
}
