using System.Globalization;
using System.Text;

namespace Serverless.Inference.Tokenization;

/// <summary>
/// Character rules of Hugging Face's BertNormalizer and BertPreTokenizer, as the tokenizers of transformers.js apply them
/// to a tokenizer.json (the reference the parity test compares against).
/// </summary>
internal static class BertCharacters
{
    /// <summary>
    /// Whether clean_text drops a character: U+0000, U+FFFD, and control, format, private-use and surrogate code points
    /// (tab, line feed and carriage return are whitespace instead).
    /// </summary>
    public static bool IsDropped(Rune rune) =>
        rune.Value == 0xFFFD ||
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    /// <summary>Whether a character counts as whitespace (JavaScript's \s, which equals char.IsWhiteSpace once controls are gone).</summary>
    public static bool IsWhitespace(Rune rune) => rune.IsBmp && char.IsWhiteSpace((char)rune.Value);

    /// <summary>
    /// CJK ideographs that get spaces around them. The reference tests UTF-16 code units, so only the blocks in the Basic
    /// Multilingual Plane match; Hugging Face's Rust tokenizers also split the supplementary-plane extensions.
    /// </summary>
    public static bool IsCjkIdeograph(int codePoint) =>
        codePoint is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0xF900 and <= 0xFAFF);

    /// <summary>ASCII punctuation and symbols (33–47, 58–64, 91–96, 123–126), which BERT splits off like punctuation.</summary>
    public static bool IsAsciiPunctuation(char c) =>
        c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~');

    /// <summary>
    /// Punctuation: the ASCII set above and every Unicode P* category. Other symbols (€ © ½, emoji) are not punctuation and
    /// stay part of their word.
    /// </summary>
    public static bool IsPunctuation(Rune rune) =>
        rune.IsAscii
            ? IsAsciiPunctuation((char)rune.Value)
            : Rune.GetUnicodeCategory(rune) is >= UnicodeCategory.ConnectorPunctuation and <= UnicodeCategory.OtherPunctuation;

    /// <summary>
    /// Lower-cases like JavaScript's String.prototype.toLowerCase: the simple Unicode mapping, plus the two context rules
    /// it applies (İ becomes i + combining dot; a word-final capital sigma becomes ς).
    /// </summary>
    public static string ToLower(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed);
            switch (rune.Value)
            {
                case 0x130:
                    result.Append("i\u0307");
                    break;
                case 0x3A3:
                    result.Append(IsFinalSigma(text, i, i + consumed) ? 'ς' : 'σ');
                    break;
                default:
                    result.Append(Rune.ToLowerInvariant(rune).ToString());
                    break;
            }

            i += consumed;
        }

        return result.ToString();
    }

    // Unicode's Final_Sigma condition: a cased letter before (across case-ignorable characters) and none after.
    private static bool IsFinalSigma(string text, int start, int end)
    {
        var before = start;
        var casedBefore = false;
        while (before > 0)
        {
            Rune.DecodeLastFromUtf16(text.AsSpan(0, before), out var rune, out var consumed);
            before -= consumed;
            if (!IsCaseIgnorable(rune))
            {
                casedBefore = IsCased(rune);
                break;
            }
        }

        if (!casedBefore)
        {
            return false;
        }

        var after = end;
        while (after < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(after), out var rune, out var consumed);
            after += consumed;
            if (!IsCaseIgnorable(rune))
            {
                return !IsCased(rune);
            }
        }

        return true;
    }

    private static bool IsCased(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(Rune rune) =>
        rune.Value is '\'' or '.' or ':' or 0xB7 or 0x387 or 0x55F or 0x5F4 or 0x2018 or 0x2019 or 0x2024 or 0x2027
            or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A ||
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
