using Onnx;
using Serverless.Errors;
using Serverless.Onnx;
using Serverless.Testing;

namespace Serverless.Inference.Tests;

public sealed class OnnxExternalDataTests
{
    [Fact]
    public void Find_ModelWithInlineWeights_FindsNothing()
    {
        Assert.Empty(OnnxExternalData.Find(TinyModels.KeywordModel()));
    }

    [Fact]
    public void Find_ExternalTensorInsideASubgraphAttribute_IsFound()
    {
        var builder = OnnxGraphBuilder.Read(TinyModels.KeywordModel());
        var hidden = new TensorProto { Name = "hidden.weight", DataType = (int)TensorProto.Types.DataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
        hidden.Dims.Add(4);
        hidden.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "/etc/shadow" });
        var branch = new GraphProto { Name = "then" };
        branch.Initializer.Add(hidden);
        var node = new NodeProto { OpType = "If", Name = "branch" };
        node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch });
        builder.Graph.Node.Add(node);

        var found = OnnxExternalData.Find(builder.ToBytes());

        Assert.Equal([("hidden.weight", "/etc/shadow")], found);
    }

    [Fact]
    public void EnsureNone_BytesThatAreNotProtobuf_IsRefusedAsInvalidModel()
    {
        var error = Assert.Throws<InvalidModelPackageException>(() => OnnxExternalData.EnsureNone("this is no onnx file"u8));

        Assert.Contains("not a valid ONNX protobuf file", error.Message, StringComparison.Ordinal);
    }
}
