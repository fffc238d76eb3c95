using System.Collections.Frozen;
using System.Text;

namespace Serverless.Inference.Tokenization;

/// <summary>
/// BertNormalizer's strip_accents: canonical decomposition (NFD), then removal of non-spacing marks (Mn). The data comes
/// from the reference JavaScript engine, because string.Normalize does nothing under invariant globalization. Canonical
/// reordering is left out: it only moves marks, and the marks it moves are the ones removed.
/// </summary>
internal static partial class AccentStripping
{
    private const int HangulFirst = 0xAC00;
    private const int HangulLast = 0xD7A3;

    private static readonly FrozenDictionary<int, string> ReplacementByCodePoint = ReadReplacements();

    /// <summary>Appends what stripping leaves of <paramref name="text"/>.</summary>
    public static void Append(ReadOnlySpan<char> text, ref PooledChars output)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            var value = rune.Value;
            if (value < 0xC0)
            {
                output.Append(rune);
            }
            else if (value is >= HangulFirst and <= HangulLast)
            {
                AppendHangul(value, ref output);
            }
            else if (ReplacementByCodePoint.TryGetValue(value, out var replacement))
            {
                output.Append(replacement);
            }
            else if (!IsRemoved(value))
            {
                output.Append(rune);
            }
        }
    }

    private static bool IsRemoved(int codePoint)
    {
        var ranges = RemovedRanges;
        int low = 0, high = ranges.Length / 2 - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (codePoint < ranges[2 * middle])
            {
                high = middle - 1;
            }
            else if (codePoint > ranges[2 * middle + 1])
            {
                low = middle + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    // Hangul syllables decompose by formula into leading consonant, vowel and optional trailing consonant (all kept).
    private static void AppendHangul(int codePoint, ref PooledChars output)
    {
        var index = codePoint - HangulFirst;
        output.Append((char)(0x1100 + index / 588));
        output.Append((char)(0x1161 + index % 588 / 28));
        if (index % 28 != 0)
        {
            output.Append((char)(0x11A7 + index % 28));
        }
    }

    private static FrozenDictionary<int, string> ReadReplacements()
    {
        var data = Replacements;
        var result = new Dictionary<int, string>();
        var builder = new StringBuilder();
        for (var i = 0; i < data.Length; i += 2 + data[i + 1])
        {
            builder.Clear();
            foreach (var codePoint in data.Slice(i + 2, data[i + 1]))
            {
                builder.Append(char.ConvertFromUtf32(codePoint));
            }

            result.Add(data[i], builder.ToString());
        }

        return result.ToFrozenDictionary();
    }
}
