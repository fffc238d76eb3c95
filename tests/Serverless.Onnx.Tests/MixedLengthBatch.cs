namespace Serverless.Onnx.Tests;

/// <summary>Token ids of texts of very different lengths, so most of a padded batch of them is padding.</summary>
internal static class MixedLengthBatch
{
    public static readonly long[][] Rows = [[2, 23, 24, 25, 28, 7, 3], [2, 30, 3], [2, 9, 33, 11, 26, 3], [2, 3], [2, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 3]];

    /// <summary>Token types: the first half of each text segment 0, the rest segment 1.</summary>
    public static readonly long[][] Types = Rows.Select(r => r.Select((_, i) => i < r.Length / 2 ? 0L : 1L).ToArray()).ToArray();
}
