using Serverless.Inference.Tokenization;

namespace Serverless.Training.FineTuning;

/// <summary>Tokenized texts and their label indices (into the model's labels), one split of a dataset.</summary>
public sealed record EncodedSplit(IReadOnlyList<TokenizedText> Texts, IReadOnlyList<int> Labels)
{
    /// <summary>Number of examples.</summary>
    public int Count => Texts.Count;

    /// <summary>Tokenizes texts with <paramref name="tokenizer"/> and maps label names to indices of <paramref name="labels"/>.</summary>
    public static EncodedSplit Create(
        BertTextTokenizer tokenizer, IEnumerable<(string Text, string Label)> examples, IReadOnlyList<string> labels, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var texts = new List<TokenizedText>();
        var ids = new List<int>();
        foreach (var (text, label) in examples)
        {
            texts.Add(tokenizer.Tokenize(text, maxLength));
            ids.Add(index.TryGetValue(label, out var i)
                ? i
                : throw new ArgumentException($"Label '{label}' is not one of the training labels {string.Join(", ", labels)}.", nameof(examples)));
        }

        return new EncodedSplit(texts, ids);
    }
}
