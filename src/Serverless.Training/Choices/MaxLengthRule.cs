using System.Globalization;

using Serverless.Inference.Tokenization;

namespace Serverless.Training.Choices;

/// <summary>
/// The maximum length of a run: the request's value (never above the encoder's limit), or, when it leaves
/// <see cref="TrainingHyperparameters.MaxLength"/> null, the smallest length that covers <see cref="Coverage"/> of the
/// training texts' token lengths ([CLS] and [SEP] counted), at most the encoder's limit and at most <see cref="CpuCap"/>
/// when training on a CPU, where the cost of attention over long inputs would dominate the run.
/// </summary>
public static class MaxLengthRule
{
    /// <summary>Share of the training texts a chosen length covers whole.</summary>
    public const double Coverage = 0.95;

    /// <summary>Longest chosen length when training on a CPU.</summary>
    public const int CpuCap = 256;

    /// <summary>Longest token length counted: the largest maxLength a request may give.</summary>
    public const int LongestCounted = 8192;

    /// <summary>Token lengths of <paramref name="texts"/> as the base's tokenizer cuts them, [CLS] and [SEP] included, up to <see cref="LongestCounted"/>.</summary>
    public static int[] TokenLengths(BertTextTokenizer tokenizer, IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(texts);
        return texts.Select(t => tokenizer.Tokenize(t, LongestCounted).Length).ToArray();
    }

    /// <summary>Decides from the request's value and the training texts' token lengths.</summary>
    /// <param name="requested">The request's maxLength; null lets the data decide.</param>
    /// <param name="trainTokenLengths">Token length of every training text (see <see cref="TokenLengths"/>).</param>
    /// <param name="encoderLimit">The base's limit: the smaller of max_position_embeddings and the tokenizer's model_max_length.</param>
    /// <param name="onCpu">True when the run trains on a CPU.</param>
    public static MaxLengthDecision Decide(int? requested, IReadOnlyList<int> trainTokenLengths, int encoderLimit, bool onCpu)
    {
        ArgumentNullException.ThrowIfNull(trainTokenLengths);
        ArgumentOutOfRangeException.ThrowIfLessThan(encoderLimit, 2);
        if (requested is { } given)
        {
            return given <= encoderLimit
                ? new MaxLengthDecision(given, Chosen: false, "given in the request")
                : new MaxLengthDecision(encoderLimit, Chosen: false, Invariant($"given in the request as {given}; capped at the encoder's limit {encoderLimit}"));
        }

        if (trainTokenLengths.Count == 0)
        {
            throw new ArgumentException("There are no training texts to choose a length from.", nameof(trainTokenLengths));
        }

        // Nearest rank: the smallest length at least 95 % of the texts fit in.
        var sorted = trainTokenLengths.Order().ToArray();
        var needed = sorted[(int)Math.Ceiling(Coverage * sorted.Length) - 1];
        var (cap, capName) = onCpu && CpuCap < encoderLimit ? (CpuCap, "CPU cap") : (encoderLimit, "encoder's limit");
        var length = Math.Min(needed, cap);
        var covered = 100.0 * sorted.Count(l => l <= length) / sorted.Length;
        var limits = onCpu && CpuCap < encoderLimit ? Invariant($"encoder's limit {encoderLimit}, CPU cap {CpuCap}") : Invariant($"encoder's limit {encoderLimit}");
        var reason = needed <= cap
            ? Invariant($"covers {covered:0.#} % of the {sorted.Length} training texts ({limits})")
            : Invariant($"95 % of the {sorted.Length} training texts need {needed} tokens; capped at the {capName} {cap}, which covers {covered:0.#} %");
        return new MaxLengthDecision(length, Chosen: true, reason);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
