namespace Serverless.Onnx;

/// <summary>How <see cref="BertOnnxWriter"/> lays out a batch.</summary>
public enum BertLayout
{
    /// <summary>Every text padded to the batch's longest (the Hugging Face layout).</summary>
    Padded,

    /// <summary>Token-wise steps on the real tokens only; attention pads by index.</summary>
    Packed,
}
