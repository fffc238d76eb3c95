using System.Numerics.Tensors;

using Serverless.Inference;
using Serverless.Inference.Tokenization;

namespace Serverless.Training.HeadOnly;

/// <summary>
/// Sentence embeddings from a base encoder: the attention-masked mean of last_hidden_state, exactly what
/// ClassifierHead's "mean" pooling computes inside the exported graph.
/// </summary>
public static class MeanPooledEmbeddings
{
    /// <summary>
    /// Embeds texts in batches sorted by token length (little padding, the main cost on a CPU); the result keeps the
    /// order of <paramref name="texts"/>.
    /// </summary>
    /// <param name="session">A session on a base encoder (output last_hidden_state).</param>
    /// <param name="tokenizer">The encoder's tokenizer.</param>
    /// <param name="texts">Texts to embed.</param>
    /// <param name="maxLength">Longest input in tokens; longer texts are truncated as in serving.</param>
    /// <param name="batchSize">Texts per model run.</param>
    /// <param name="progress">Receives the number of texts embedded so far.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public static float[][] Compute(
        OnnxModelSession session,
        BertTextTokenizer tokenizer,
        IReadOnlyList<string> texts,
        int maxLength,
        int batchSize,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (session.OutputName != OnnxModelSession.HiddenStateOutput)
        {
            throw new ArgumentException(
                $"Head-only training needs a base encoder whose output is {OnnxModelSession.HiddenStateOutput}; this model's output is {session.OutputName}.",
                nameof(session));
        }

        var tokenized = texts.Select(t => tokenizer.Tokenize(t, maxLength)).ToArray();
        var order = Enumerable.Range(0, tokenized.Length).OrderBy(i => tokenized[i].Length).ThenBy(i => i).ToArray();
        var embeddings = new float[texts.Count][];
        for (var start = 0; start < order.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray();
            var batch = BatchEncoder.Pad(rows.Select(i => tokenized[i]).ToArray(), tokenizer.PadId);
            var hidden = session.Run(batch, out var shape);
            var (sequence, width) = (shape[1], shape[2]);
            for (var r = 0; r < rows.Length; r++)
            {
                var sum = new float[width];
                var count = 0;
                for (var t = 0; t < sequence; t++)
                {
                    if (batch.AttentionMask[(r * sequence) + t] == 0)
                    {
                        continue;
                    }

                    count++;
                    TensorPrimitives.Add(sum, hidden.AsSpan(((r * sequence) + t) * width, width), sum);
                }

                TensorPrimitives.Divide(sum, Math.Max(count, 1), sum);
                embeddings[rows[r]] = sum;
            }

            progress?.Report(start + rows.Length);
        }

        return embeddings;
    }
}
