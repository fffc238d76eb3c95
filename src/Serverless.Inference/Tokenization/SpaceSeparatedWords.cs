using Microsoft.ML.Tokenizers;

namespace Serverless.Inference.Tokenization;

/// <summary>
/// Splits the word stream written by <see cref="BertTextTokenizer"/> (words joined by single spaces) so WordPiece sees
/// exactly the words of Hugging Face's BERT pre-tokenization, not those of a pre-tokenizer of its own.
/// </summary>
internal sealed class SpaceSeparatedWords : PreTokenizer
{
    public static SpaceSeparatedWords Instance { get; } = new();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text.AsSpan());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

    private static List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
    {
        var words = new List<(int Offset, int Length)>(text.Length / 5 + 1);
        var start = 0;
        while (start < text.Length)
        {
            var space = text[start..].IndexOf(' ');
            var length = space < 0 ? text.Length - start : space;
            if (length > 0)
            {
                words.Add((start, length));
            }

            start += length + 1;
        }

        return words;
    }
}
