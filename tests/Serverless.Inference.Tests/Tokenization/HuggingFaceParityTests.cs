using System.Diagnostics;
using System.Globalization;
using System.Text;
using Serverless.Inference.Tokenization;
using Xunit.Abstractions;

namespace Serverless.Inference.Tests.Tokenization;

/// <summary>
/// Issue 2's acceptance figure: our ids against Hugging Face's tokenizer (transformers.js on the package's tokenizer.json)
/// for the whole SpamAssassin corpus of raw messages, with the real all-MiniLM-L6-v2 vocabulary, untruncated.
/// </summary>
public sealed class HuggingFaceParityTests(HuggingFaceReference reference, ITestOutputHelper output) : IClassFixture<HuggingFaceReference>
{
    private readonly BertTextTokenizer _tokenizer = BertTextTokenizer.Create(reference.Package);
    private readonly string[] _vocab = File.ReadAllLines(reference.Package.VocabPath);

    [Fact]
    public void Tokenize_SpamAssassinCorpus_MatchesHuggingFaceIdsForAtLeast999In1000Texts()
    {
        var corpus = reference.Corpus;
        Assert.Equal(6046, corpus.Count);
        Assert.Equal(30522, _vocab.Length);
        output.WriteLine($"Reference (transformers.js): {reference.Log}");

        var ours = new int[corpus.Count][];
        for (var i = 0; i < 200; i++)
        {
            _ = _tokenizer.Tokenize(corpus[i].Text, int.MaxValue);
        }

        var untruncated = Measure(() =>
        {
            for (var i = 0; i < corpus.Count; i++)
            {
                ours[i] = _tokenizer.Tokenize(corpus[i].Text, int.MaxValue).Ids;
            }
        });
        var truncated = Measure(() =>
        {
            foreach (var (_, text) in corpus)
            {
                _ = _tokenizer.Tokenize(text, 512);
            }
        });
        var tokens = ours.Sum(ids => (long)ids.Length);
        var chars = corpus.Sum(t => (long)t.Text.Length);
        output.WriteLine(FormattableString.Invariant(
            $"Throughput, one thread, {corpus.Count} raw messages ({chars / 1e6:F1} M chars, {tokens / 1e6:F2} M tokens), per wall second (per CPU second, which machine load does not skew):"));
        output.WriteLine(FormattableString.Invariant(
            $"  untruncated: {corpus.Count / untruncated.Wall:F0} ({corpus.Count / untruncated.Cpu:F0}) texts/s, {tokens / untruncated.Wall / 1e6:F2} ({tokens / untruncated.Cpu / 1e6:F2}) M tokens/s, {chars / untruncated.Wall / 1e6:F1} ({chars / untruncated.Cpu / 1e6:F1}) M chars/s"));
        output.WriteLine(FormattableString.Invariant(
            $"  maxLength 512: {corpus.Count / truncated.Wall:F0} ({corpus.Count / truncated.Cpu:F0}) texts/s"));

        var differences = Enumerable.Range(0, corpus.Count)
            .Where(i => !ours[i].AsSpan().SequenceEqual(reference.CorpusIds[i]))
            .Select(i => Describe(corpus[i].Id, corpus[i].Text, ours[i], reference.CorpusIds[i]))
            .ToList();
        var identical = corpus.Count - differences.Count;
        output.WriteLine(FormattableString.Invariant(
            $"Parity: {identical} of {corpus.Count} texts have identical ids ({100.0 * identical / corpus.Count:F2}%); {differences.Count} differ."));
        differences.ForEach(output.WriteLine);

        Assert.True(identical * 1000L >= corpus.Count * 999L, $"Only {identical} of {corpus.Count} texts match the reference; the differences are in the test output.");
    }

    [Fact]
    public void Tokenize_EdgeCases_MatchHuggingFaceIdsExactly()
    {
        var texts = HuggingFaceReference.EdgeCases;
        var differences = Enumerable.Range(0, texts.Count)
            .Select(i => (Index: i, Ours: _tokenizer.Tokenize(texts[i], int.MaxValue).Ids))
            .Where(x => !x.Ours.AsSpan().SequenceEqual(reference.EdgeCaseIds[x.Index]))
            .Select(x => Describe($"edge case {x.Index}", texts[x.Index], x.Ours, reference.EdgeCaseIds[x.Index]))
            .ToList();
        output.WriteLine($"{texts.Count - differences.Count} of {texts.Count} edge cases have identical ids.");
        differences.ForEach(output.WriteLine);
        Assert.Empty(differences);
    }

    private static (double Wall, double Cpu) Measure(Action action)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        action();
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalSeconds);
    }

    // One entry per difference: where it starts, the characters there, both tokenizations, and the likely cause.
    private string Describe(string id, string text, int[] ours, int[] expected)
    {
        var position = 0;
        while (position < ours.Length && position < expected.Length && ours[position] == expected[position])
        {
            position++;
        }

        var offset = OffsetOfToken(text, position);
        var context = text[Math.Max(0, offset - 30)..Math.Min(text.Length, offset + 50)];
        string Pieces(int[] ids) => string.Join(' ', ids[Math.Max(0, position - 2)..Math.Min(ids.Length, position + 4)].Select(i => _vocab[i]));
        return FormattableString.Invariant(
            $"- {id}: token {position} (char ~{offset}) \"{Escape(context)}\"\n    ours:      {Pieces(ours)}\n    reference: {Pieces(expected)}\n    cause: {Explain(context)}");
    }

    // The shortest prefix of the text whose tokens reach this position: where the differing token starts.
    private int OffsetOfToken(string text, int position)
    {
        int low = 0, high = text.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_tokenizer.Tokenize(text[..middle], int.MaxValue).Length - 2 > position - 1)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }

    // Names the character classes near a difference where the two implementations' rules or Unicode data can part.
    private static string Explain(string context)
    {
        var runes = context.EnumerateRunes().ToList();
        var causes = new List<string>();
        if (runes.Any(r => Rune.GetUnicodeCategory(r) == UnicodeCategory.OtherNotAssigned))
        {
            causes.Add("a code point unassigned in .NET's Unicode data (the reference's ICU may know it: control/punctuation/mark rules differ)");
        }

        if (runes.Any(r => r.Value == 0x3A3))
        {
            causes.Add("capital sigma (final-sigma lower-casing)");
        }

        if (runes.Any(r => !r.IsBmp))
        {
            causes.Add("supplementary-plane characters (UTF-16 versus code-point handling)");
        }

        if (runes.Any(r => Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark))
        {
            causes.Add("combining marks (decomposition and canonical order)");
        }

        var nonAscii = string.Join(", ", runes.Where(r => r.Value > 0x7F).Select(r => $"U+{r.Value:X4} {Rune.GetUnicodeCategory(r)}").Distinct());
        return (causes.Count == 0 ? "no known cause: investigate" : string.Join("; ", causes)) + (nonAscii.Length > 0 ? $" [{nonAscii}]" : "");
    }

    private static string Escape(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            result.Append(rune.Value switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '"' => "\\\"",
                < 0x20 or 0x7F or >= 0x80 => $"\\u{{{rune.Value:X4}}}",
                _ => rune.ToString(),
            });
        }

        return result.ToString();
    }
}
