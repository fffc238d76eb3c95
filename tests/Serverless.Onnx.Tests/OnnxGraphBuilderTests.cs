using Onnx;

namespace Serverless.Onnx.Tests;

public sealed class OnnxGraphBuilderTests
{
    [Fact]
    public void Builder_ModelWithSymbolicDimsInitializersAndAttributes_RunsOnOnnxRuntime()
    {
        var b = OnnxGraphBuilder.Create(opset: 17);
        b.AddInput("input_ids", TensorProto.Types.DataType.Int64, "batch", "sequence");
        var table = b.AddInitializer("table", [1f, 2f, 3f, 4f, 5f, 6f], 3, 2);
        var rows = b.Node("Gather", [table, "input_ids"]);
        var constant = b.Node("Constant", [], null, OnnxAttribute.Tensor("value", OnnxGraphBuilder.FloatTensor("ten", [10f], 1)));
        var scaled = b.Node("Mul", [rows, constant]);
        b.Node("ReduceSum", [scaled, b.Int64s(1)], "logits", OnnxAttribute.Int("keepdims", 0));
        b.AddOutput("logits", TensorProto.Types.DataType.Float, "batch", 2);

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(b.ToBytes());
        using var ids = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new long[] { 0, 2, 1, 1, 1, 0 }, [2, 3]);
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var results = session.Run(runOptions, new Dictionary<string, Microsoft.ML.OnnxRuntime.OrtValue> { ["input_ids"] = ids }, ["logits"]);

        Assert.Equal([90f, 120f, 70f, 100f], results[0].GetTensorDataAsSpan<float>().ToArray());
        Assert.Equal("sequence", session.InputMetadata["input_ids"].SymbolicDimensions[1]);
    }

    [Fact]
    public void Builder_ReadSavedModel_AppendsWithoutNameClashes()
    {
        var first = OnnxGraphBuilder.Create();
        first.AddInput("x", TensorProto.Types.DataType.Float, "batch");
        first.Node("Add", ["x", first.Scalar(1f)], "y");
        first.AddOutput("y", TensorProto.Types.DataType.Float, "batch");
        var path = Path.Combine(Path.GetTempPath(), $"builder-{Guid.NewGuid():N}.onnx");
        first.Save(path);

        try
        {
            var second = OnnxGraphBuilder.ReadFile(path);
            second.Node("Mul", ["y", second.Scalar(3f)], "z");
            second.ClearOutputs().AddOutput("z", TensorProto.Types.DataType.Float, "batch");

            Assert.Equal(2, second.Graph.Initializer.Select(i => i.Name).Distinct().Count());
            Assert.Equal(17, second.Opset);
            Assert.Equal(["z"], second.Graph.Output.Select(o => o.Name));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Builder_InitializerWithWrongValueCount_Throws()
    {
        var b = OnnxGraphBuilder.Create();

        var error = Assert.Throws<ArgumentException>(() => b.AddInitializer("w", [1f, 2f, 3f], 2, 2));

        Assert.Contains("has 3 values but shape [2, 2] needs 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Builder_DuplicateInitializerName_Throws()
    {
        var b = OnnxGraphBuilder.Create();
        b.AddInitializer("w", [1L], 1);

        Assert.Throws<ArgumentException>(() => b.AddInitializer("w", [2L], 1));
    }
}
