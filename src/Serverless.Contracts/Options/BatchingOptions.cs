using System.ComponentModel.DataAnnotations;

namespace Serverless.Options;

/// <summary>Dynamic batching limits of the inference engine. Section "Serving:Batching".</summary>
public sealed class BatchingOptions
{
    public const string Section = "Serving:Batching";

    /// <summary>Most texts in one model run.</summary>
    [Range(1, 4096)]
    public int MaxBatchTexts { get; set; } = 32;

    /// <summary>Most tokens (texts × padded length) in one model run.</summary>
    [Range(16, 1_048_576)]
    public int MaxBatchTokens { get; set; } = 16_384;

    /// <summary>
    /// How long texts that arrive while the engine is busy wait for others to join them; a text that reaches an idle engine
    /// runs at once.
    /// </summary>
    [Range(0, 1000)]
    public int MaxWaitMilliseconds { get; set; } = 2;

    /// <summary>Most texts waiting in the engine; beyond it requests get 429.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedTexts { get; set; } = 4096;
}
