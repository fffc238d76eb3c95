using System.Text;

namespace Serverless.Errors;

/// <summary>
/// How error messages quote what a caller sent: at most <see cref="MaxEchoedCharacters"/> characters, control characters
/// shown as escapes, so an error never grows with its input (a queue error result always fits in one message) and never
/// carries line breaks or terminal escapes into a log or a reply.
/// </summary>
public static class CallerInput
{
    /// <summary>The most characters of caller input an error message repeats.</summary>
    public const int MaxEchoedCharacters = 200;

    /// <summary>
    /// <paramref name="value"/> cut to <see cref="MaxEchoedCharacters"/> characters (with "…" and the full length when cut)
    /// and with control characters written as <c>\uXXXX</c>.
    /// </summary>
    public static string Excerpt(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var kept = value.Length <= MaxEchoedCharacters ? value : value[..MaxEchoedCharacters];
        if (kept.Length > 0 && char.IsHighSurrogate(kept[^1]))
        {
            kept = kept[..^1];
        }

        var builder = new StringBuilder(kept.Length + 16);
        foreach (var c in kept)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                builder.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        if (kept.Length < value.Length)
        {
            builder.Append("… (").Append(value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" characters)");
        }

        return builder.ToString();
    }
}
