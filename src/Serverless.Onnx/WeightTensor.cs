namespace Serverless.Onnx;

/// <summary>One named parameter: row-major values and their shape (Linear weights are [out, in], as in PyTorch).</summary>
public readonly record struct WeightTensor(float[] Data, int[] Shape)
{
    /// <summary>The shape as text, e.g. "[384, 1536]".</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>The transpose of a 2-D tensor ([rows, cols] → [cols, rows]).</summary>
    public WeightTensor Transpose()
    {
        if (Shape.Length != 2)
        {
            throw new InvalidOperationException($"Only 2-D tensors can be transposed; this one is {ShapeText}.");
        }

        int rows = Shape[0], cols = Shape[1];
        var transposed = new float[Data.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                transposed[c * rows + r] = Data[r * cols + c];
            }
        }

        return new WeightTensor(transposed, [cols, rows]);
    }

    internal static string FormatShape(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";
}
