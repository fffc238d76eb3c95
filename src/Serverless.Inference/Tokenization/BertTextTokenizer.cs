// Hand-written around Microsoft.ML.Tokenizers' WordPiece: its own BERT pre-tokenization gives other ids than Hugging Face for symbols, emoji and tabs (the parity test against tokenizer.json shows where).
using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;
using Serverless.Errors;
using Serverless.Packages;

namespace Serverless.Inference.Tokenization;

/// <summary>
/// Hugging Face BERT tokenization: special tokens written in the text, then BasicTokenizer (clean text, CJK split,
/// lower-case, accent strip, whitespace and punctuation split), then Microsoft.ML.Tokenizers' WordPiece with "##"
/// continuations, wrapped as <c>[CLS] … [SEP]</c>. Produces the ids Hugging Face's tokenizer.json produces, including where
/// Microsoft.ML.Tokenizers' own BERT pre-tokenization differs (symbols such as $ + = &lt; &gt; € ©, emoji, tabs).
/// Immutable and thread-safe.
/// </summary>
public sealed class BertTextTokenizer
{
    /// <summary>Words longer than this many code points become [UNK], as in Hugging Face's WordPiece.</summary>
    public const int MaxInputCharsPerWord = 100;

    private readonly WordPieceTokenizer _wordPiece;
    private readonly string[] _specialTokens;
    private readonly SearchValues<char> _specialTokenStarts;
    private readonly string _unkToken;
    private readonly bool _lowerCase;
    private readonly bool _stripAccents;
    private readonly bool _splitCjk;

    private BertTextTokenizer(WordPieceTokenizer wordPiece, TokenizerConfig config, string[] specialTokens, int padId, int clsId, int sepId, int unkId)
    {
        _wordPiece = wordPiece;
        _specialTokens = specialTokens;
        _specialTokenStarts = SearchValues.Create(specialTokens.Select(t => t[0]).Distinct().ToArray());
        _unkToken = config.UnkToken;
        _lowerCase = config.DoLowerCase;
        _stripAccents = config.StripsAccents;
        _splitCjk = config.TokenizeChineseChars;
        PadId = padId;
        ClsId = clsId;
        SepId = sepId;
        UnkId = unkId;
    }

    /// <summary>Id of the padding token.</summary>
    public int PadId { get; }

    /// <summary>Id of the classification token that starts every sequence.</summary>
    public int ClsId { get; }

    /// <summary>Id of the separator token that ends every sequence.</summary>
    public int SepId { get; }

    /// <summary>Id of the unknown-word token.</summary>
    public int UnkId { get; }

    /// <summary>
    /// True when cleaning leaves something to tokenize: a character that is neither whitespace nor one that clean_text drops
    /// (NUL, U+FFFD, control, format and private-use characters, lone surrogates). A text without one encodes to
    /// [CLS] [SEP] alone.
    /// </summary>
    public static bool HasContent(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!BertCharacters.IsWhitespace(rune) && !BertCharacters.IsDropped(rune))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Creates the tokenizer of a model package from its vocab.txt and tokenizer_config.json.</summary>
    /// <exception cref="InvalidModelPackageException">The vocabulary lacks a special token the configuration names.</exception>
    public static BertTextTokenizer Create(ModelPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return Create(File.ReadAllLines(package.VocabPath, Encoding.UTF8), package.TokenizerConfig);
    }

    /// <summary>Creates a tokenizer from a WordPiece vocabulary (the token of id i at index i) and its settings.</summary>
    /// <exception cref="InvalidModelPackageException">The vocabulary lacks a special token the configuration names.</exception>
    public static BertTextTokenizer Create(IReadOnlyList<string> vocab, TokenizerConfig config)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        ArgumentNullException.ThrowIfNull(config);

        // A repeated token keeps its first id (as in tokenizer.json); its later lines become blank, which WordPiece skips
        // while still counting them, so every other token keeps its line number as its id.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = new StringBuilder();
        for (var i = 0; i < vocab.Count; i++)
        {
            var token = vocab[i];
            if (token.AsSpan().ContainsAny('\r', '\n'))
            {
                throw new InvalidModelPackageException($"Vocabulary entry {i} contains a line break: vocab.txt must hold one token per line.");
            }

            if (ids.TryAdd(token, i))
            {
                lines.Append(token);
            }

            lines.Append('\n');
        }

        int IdOf(string token) => ids.TryGetValue(token, out var id)
            ? id
            : throw new InvalidModelPackageException($"The vocabulary has no special token '{token}': add it to vocab.txt or correct tokenizer_config.json.");

        var unkId = IdOf(config.UnkToken);
        var clsId = IdOf(config.ClsToken);
        var sepId = IdOf(config.SepToken);
        var padId = IdOf(config.PadToken);
        string[] specialTokens = [.. new[] { config.PadToken, config.UnkToken, config.ClsToken, config.SepToken, config.MaskToken }
            .Where(t => t.Length > 0 && ids.ContainsKey(t)).Distinct(StringComparer.Ordinal)];

        using var vocabStream = new MemoryStream(Encoding.UTF8.GetBytes(lines.ToString()));
        var wordPiece = WordPieceTokenizer.Create(vocabStream, new WordPieceOptions
        {
            PreTokenizer = SpaceSeparatedWords.Instance,
            UnknownToken = config.UnkToken,
            ContinuingSubwordPrefix = "##",

            // Words are limited in code points before they get here; this only has to admit 100 code points of UTF-16.
            MaxInputCharsPerWord = 2 * MaxInputCharsPerWord,
        });
        return new BertTextTokenizer(wordPiece, config, specialTokens, padId, clsId, sepId, unkId);
    }

    /// <summary>
    /// Tokenizes one text as <c>[CLS] tokens [SEP]</c>, keeping at most <paramref name="maxLength"/> ids: a longer text
    /// keeps its first tokens, still ends with [SEP], and is flagged <see cref="TokenizedText.Truncated"/>.
    /// </summary>
    /// <param name="text">The text; any string, including empty.</param>
    /// <param name="maxLength">Most ids to return, [CLS] and [SEP] included; at least 2.</param>
    public TokenizedText Tokenize(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);

        var budget = maxLength - 2;
        var words = new WordStream(text.Length + 16, _unkToken, wordLimit: budget + 1);
        var normalized = new PooledChars(text.Length + 16);
        try
        {
            var start = 0;
            while (!words.IsFull)
            {
                var (index, special) = FindSpecialToken(text, start);
                var end = index < 0 ? text.Length : index;
                if (end > start)
                {
                    Normalize(text.AsSpan(start, end - start), ref normalized);
                    PreTokenize(normalized.Span, ref words);
                }

                if (index < 0)
                {
                    break;
                }

                words.AddWhole(special);
                start = end + special.Length;
            }

            // Room for every token up to the budget plus one whole word (at most 2 × 100 pieces), so WordPiece, which drops
            // a word that does not fit, never drops one that reaches into the budget.
            var maxTokens = (int)Math.Min((long)budget + 2 * MaxInputCharsPerWord + 1, int.MaxValue);
            var tokens = words.Span.IsEmpty
                ? []
                : _wordPiece.EncodeToIds(words.Span, maxTokens, out _, out _, considerPreTokenization: true, considerNormalization: false);

            var kept = Math.Min(tokens.Count, budget);
            var ids = new int[kept + 2];
            ids[0] = ClsId;
            for (var i = 0; i < kept; i++)
            {
                ids[i + 1] = tokens[i];
            }

            ids[^1] = SepId;
            return new TokenizedText(ids, tokens.Count > budget);
        }
        finally
        {
            normalized.Dispose();
            words.Dispose();
        }
    }

    /// <summary>
    /// How far apart consecutive windows of <see cref="TokenizeWindows"/> start, in tokens: half of a window's text tokens
    /// (its length without [CLS] and [SEP]), rounded up, so each window shares about half its tokens with the next.
    /// </summary>
    /// <param name="maxLength">The window length, [CLS] and [SEP] included; at least 3.</param>
    public static int WindowStride(int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        return (maxLength - 1) / 2;
    }

    /// <summary>
    /// Tokenizes one text once and cuts its tokens into overlapping windows, each <c>[CLS] tokens [SEP]</c> of at most
    /// <paramref name="maxLength"/> ids: windows start every <see cref="WindowStride"/> tokens and the last one ends with
    /// the text's last token (so every window of a long text is full). A text that fits is one window, as
    /// <see cref="Tokenize"/> gives it. Tokens beyond what <paramref name="maxWindows"/> windows cover are dropped, and then
    /// every window is flagged <see cref="TokenizedText.Truncated"/>.
    /// </summary>
    /// <param name="text">The text; any string, including empty.</param>
    /// <param name="maxLength">The window length, [CLS] and [SEP] included; at least 2.</param>
    /// <param name="maxWindows">Most windows to return; at least 1.</param>
    public TokenizedText[] TokenizeWindows(string text, int maxLength, int maxWindows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWindows, 1);
        if (maxLength < 3)
        {
            // No room for a text token beside [CLS] and [SEP]: there is nothing to slide, so one window as truncation gives it.
            return [Tokenize(text, maxLength)];
        }

        var stride = WindowStride(maxLength);
        var width = maxLength - 2;
        var covered = width + (long)stride * (maxWindows - 1);
        var whole = Tokenize(text, (int)Math.Min(covered + 2, int.MaxValue));
        var tokens = whole.Ids.AsSpan(1, whole.Length - 2);
        if (tokens.Length <= width)
        {
            return [whole];
        }

        var count = 1 + (tokens.Length - width + stride - 1) / stride;
        var windows = new TokenizedText[count];
        for (var w = 0; w < count; w++)
        {
            var start = Math.Min(w * stride, tokens.Length - width);
            var ids = new int[width + 2];
            ids[0] = ClsId;
            tokens.Slice(start, width).CopyTo(ids.AsSpan(1));
            ids[^1] = SepId;
            windows[w] = new TokenizedText(ids, whole.Truncated);
        }

        return windows;
    }

    // Special tokens written in the text are matched before normalization, longest first, as tokenizer.json's added
    // tokens are ("normalized": false).
    private (int Index, string Token) FindSpecialToken(string text, int start)
    {
        while (start < text.Length)
        {
            var offset = text.AsSpan(start).IndexOfAny(_specialTokenStarts);
            if (offset < 0)
            {
                break;
            }

            var index = start + offset;
            string? longest = null;
            foreach (var token in _specialTokens)
            {
                if ((longest is null || token.Length > longest.Length) && text.AsSpan(index).StartsWith(token, StringComparison.Ordinal))
                {
                    longest = token;
                }
            }

            if (longest is not null)
            {
                return (index, longest);
            }

            start = index + 1;
        }

        return (-1, string.Empty);
    }

    // BertNormalizer: clean text, space out CJK ideographs, lower-case, strip accents.
    private void Normalize(ReadOnlySpan<char> text, ref PooledChars output)
    {
        output.Length = 0;
        var nonAscii = false;
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (c < 0x80)
            {
                i++;
                if (c < 0x20 || c == 0x7F)
                {
                    if (c is '\t' or '\n' or '\r')
                    {
                        output.Append(' ');
                    }

                    continue;
                }

                output.Append(_lowerCase && char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c);
                continue;
            }

            nonAscii = true;
            var status = Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
            i += consumed;
            if (status != OperationStatus.Done || BertCharacters.IsDropped(rune))
            {
                continue;
            }

            if (BertCharacters.IsWhitespace(rune))
            {
                output.Append(' ');
            }
            else if (_splitCjk && BertCharacters.IsCjkIdeograph(rune.Value))
            {
                output.Append(' ');
                output.Append(rune);
                output.Append(' ');
            }
            else
            {
                output.Append(rune);
            }
        }

        // ASCII is already final; other scripts take the full Unicode rules, which need the whole run for context.
        if (nonAscii && (_lowerCase || _stripAccents))
        {
            var result = output.Span.ToString();
            if (_lowerCase)
            {
                result = BertCharacters.ToLower(result);
            }

            output.Length = 0;
            if (_stripAccents)
            {
                AccentStripping.Append(result, ref output);
            }
            else
            {
                output.Append(result);
            }
        }
    }

    // BertPreTokenizer: runs of characters that are neither whitespace nor punctuation, and single punctuation marks.
    private static void PreTokenize(ReadOnlySpan<char> text, ref WordStream words)
    {
        for (var i = 0; i < text.Length && !words.IsFull;)
        {
            var c = text[i];
            if (c < 0x80)
            {
                i++;
                if (c == ' ')
                {
                    words.EndWord();
                }
                else if (BertCharacters.IsAsciiPunctuation(c))
                {
                    words.EndWord();
                    words.AddWhole(c);
                }
                else
                {
                    words.Add(c);
                }

                continue;
            }

            Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
            i += consumed;
            if (BertCharacters.IsWhitespace(rune))
            {
                words.EndWord();
            }
            else if (BertCharacters.IsPunctuation(rune))
            {
                words.EndWord();
                words.AddWhole(rune);
            }
            else
            {
                words.Add(rune);
            }
        }

        words.EndWord();
    }

    /// <summary>Words joined by single spaces, as WordPiece reads them; a word over the length limit becomes [UNK].</summary>
    private ref struct WordStream(int capacity, string unkToken, int wordLimit)
    {
        private PooledChars _chars = new(capacity);
        private int _wordStart = -1;
        private int _wordCodePoints;

        public int Count { get; private set; }

        /// <summary>Every word beyond the limit would be cut anyway: each word is at least one token.</summary>
        public readonly bool IsFull => Count >= wordLimit;

        public readonly ReadOnlySpan<char> Span => _chars.Span;

        public void Add(char c)
        {
            StartWord();
            _chars.Append(c);
            _wordCodePoints++;
        }

        public void Add(Rune rune)
        {
            StartWord();
            _chars.Append(rune);
            _wordCodePoints++;
        }

        public void AddWhole(char c)
        {
            Add(c);
            EndWord();
        }

        public void AddWhole(Rune rune)
        {
            Add(rune);
            EndWord();
        }

        public void AddWhole(string token)
        {
            EndWord();
            StartWord();
            _chars.Append(token);
            EndWord();
        }

        public void EndWord()
        {
            if (_wordStart < 0)
            {
                return;
            }

            if (_wordCodePoints > MaxInputCharsPerWord)
            {
                _chars.Length = _wordStart;
                _chars.Append(unkToken);
            }

            _wordStart = -1;
            Count++;
        }

        public void Dispose() => _chars.Dispose();

        private void StartWord()
        {
            if (_wordStart >= 0)
            {
                return;
            }

            if (_chars.Length > 0)
            {
                _chars.Append(' ');
            }

            _wordStart = _chars.Length;
            _wordCodePoints = 0;
        }
    }
}
