namespace Serverless.Onnx;

/// <summary>
/// ONNX Runtime contrib operators <see cref="BertOnnxWriter"/> can emit where ONNX Runtime's own fusions do not match its
/// graphs (`Serverless.Benchmarks fusions` shows which do, and what each costs). Every combination keeps parity with
/// <see cref="None"/>, and <see cref="OnnxBertWeightsReader"/> reads every combination back.
/// </summary>
[Flags]
public enum BertFusions
{
    /// <summary>Standard ONNX operators only (ONNX Runtime still fuses Gelu with its bias and the scale into QKᵀ).</summary>
    None = 0,

    /// <summary>com.microsoft.MultiHeadAttention: the heads' split, QKᵀ, mask, softmax, × V and merge, with the Q, K and V biases, in one operator.</summary>
    Attention = 1,

    /// <summary>com.microsoft.SkipLayerNormalization: the projection's bias, the residual Add and LayerNorm in one operator.</summary>
    SkipLayerNorm = 2,
}
