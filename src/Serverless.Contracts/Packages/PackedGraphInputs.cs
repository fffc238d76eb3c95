namespace Serverless.Packages;

/// <summary>
/// The inputs of an unpadded (packed) graph, in order: input_ids, token_type_ids, position_ids and packed_index [tokens] —
/// the real tokens of every text one after another, each token's position in its text, and its slot in the padded
/// [batch × sequence] layout (text × sequence + position); token_index [batch, sequence] — the packed row of each padded
/// slot, or tokens (a zero row) where a text is shorter; attention_mask [batch, sequence].
/// </summary>
public static class PackedGraphInputs
{
    /// <summary>Every input name, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["input_ids", "token_type_ids", "position_ids", "packed_index", "token_index", "attention_mask"];

    /// <summary>How many of <see cref="Names"/>, from the first, have the shape [tokens]; the rest are [batch, sequence].</summary>
    public const int TokenInputs = 4;
}
