namespace Serverless.Onnx;

/// <summary>One dimension of a graph input or output: fixed (<see cref="Value"/>) or symbolic (<see cref="Param"/>, e.g. "batch").</summary>
public readonly record struct OnnxDim(long Value, string? Param)
{
    /// <summary>A symbolic dimension.</summary>
    public static implicit operator OnnxDim(string param) => new(0, param);

    /// <summary>A fixed dimension.</summary>
    public static implicit operator OnnxDim(long value) => new(value, null);

    /// <summary>A fixed dimension.</summary>
    public static implicit operator OnnxDim(int value) => new(value, null);
}
