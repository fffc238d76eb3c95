namespace Serverless.Inference.Tokenization;

/// <summary>The token ids of one text, <c>[CLS] … [SEP]</c>, and whether the text was cut to fit the maximum length.</summary>
/// <param name="Ids">Token ids, starting with [CLS] and ending with [SEP].</param>
/// <param name="Truncated">True when tokens were dropped to fit the maximum length.</param>
public readonly record struct TokenizedText(int[] Ids, bool Truncated)
{
    /// <summary>Number of tokens, special tokens included.</summary>
    public int Length => Ids.Length;
}
