using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Serverless.Onnx;

/// <summary>
/// Builds or extends an ONNX model over OnnxSharp's protobuf classes: inputs and outputs with symbolic dimensions,
/// float and int64 initializers, nodes with attributes. Not thread-safe.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names;
    private int _counter;

    private OnnxGraphBuilder(ModelProto model)
    {
        Model = model;
        _names = [.. model.Graph.Node.SelectMany(n => n.Output), .. model.Graph.Initializer.Select(i => i.Name),
            .. model.Graph.Input.Select(i => i.Name), .. model.Graph.Node.Select(n => n.Name)];
    }

    /// <summary>The operator domain of ONNX Runtime's contrib operators.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>The model being built; exposed for inspection and for edits this API does not cover.</summary>
    public ModelProto Model { get; }

    /// <summary>The model's main graph.</summary>
    public GraphProto Graph => Model.Graph;

    /// <summary>The default-domain opset the model imports.</summary>
    public long Opset => Model.OpsetImport.FirstOrDefault(o => string.IsNullOrEmpty(o.Domain))?.Version ?? 0;

    /// <summary>Creates an empty model importing the default ONNX domain at <paramref name="opset"/>.</summary>
    public static OnnxGraphBuilder Create(long opset = 17, long irVersion = 8, string graphName = "main")
    {
        var model = new ModelProto
        {
            IrVersion = irVersion,
            ProducerName = "Serverless",
            Graph = new GraphProto { Name = graphName },
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return new OnnxGraphBuilder(model);
    }

    /// <summary>Reads an existing model to append to it.</summary>
    public static OnnxGraphBuilder Read(byte[] bytes) => new(ModelProto.Parser.ParseFrom(bytes));

    /// <summary>Reads an existing model from a stream to append to it.</summary>
    public static OnnxGraphBuilder Read(Stream stream) => new(ModelProto.Parser.ParseFrom(stream));

    /// <summary>Reads an existing model from a file to append to it.</summary>
    public static OnnxGraphBuilder ReadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    /// <summary>Adds a graph input.</summary>
    public OnnxGraphBuilder AddInput(string name, TensorProto.Types.DataType type, params OnnxDim[] dims)
    {
        Graph.Input.Add(ValueInfo(name, type, dims));
        _names.Add(name);
        return this;
    }

    /// <summary>Adds a graph output (a value some node produces).</summary>
    public OnnxGraphBuilder AddOutput(string name, TensorProto.Types.DataType type, params OnnxDim[] dims)
    {
        Graph.Output.Add(ValueInfo(name, type, dims));
        return this;
    }

    /// <summary>Removes every graph output, e.g. before appending a head whose output replaces them.</summary>
    public OnnxGraphBuilder ClearOutputs()
    {
        Graph.Output.Clear();
        return this;
    }

    /// <summary>Adds a float initializer and returns its name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> data, params long[] shape)
    {
        return AddInitializer(FloatTensor(name, data, shape));
    }

    /// <summary>Adds an int64 initializer and returns its name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<long> data, params long[] shape)
    {
        return AddInitializer(Int64Tensor(name, data, shape));
    }

    /// <summary>Adds a float scalar constant under a fresh name and returns it.</summary>
    public string Scalar(float value) => AddInitializer(UniqueName("const"), [value]);

    /// <summary>Adds a 1-D int64 constant under a fresh name and returns it.</summary>
    public string Int64s(params long[] values) => AddInitializer(UniqueName("const"), values, values.Length);

    /// <summary>Adds a node with explicit output names.</summary>
    public OnnxGraphBuilder AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = UniqueName(opType) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        foreach (var output in outputs)
        {
            _names.Add(output);
        }

        return this;
    }

    /// <summary>Adds a single-output node and returns the name of its output (fresh unless <paramref name="output"/> is given).</summary>
    public string Node(string opType, IReadOnlyList<string> inputs, string? output = null, params AttributeProto[] attributes)
    {
        output ??= UniqueName(opType.ToLowerInvariant());
        AddNode(opType, inputs, [output], attributes);
        return output;
    }

    /// <summary>
    /// Adds a single-output node of ONNX Runtime's contrib operators (<see cref="MicrosoftDomain"/>, imported at version 1
    /// on first use) and returns the name of its fresh output.
    /// </summary>
    public string MicrosoftNode(string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
    {
        var output = Node(opType, inputs, null, attributes);
        Graph.Node[^1].Domain = MicrosoftDomain;
        ImportMicrosoftDomain();
        return output;
    }

    /// <summary>Imports <see cref="MicrosoftDomain"/> at version 1 unless the model already does.</summary>
    public void ImportMicrosoftDomain()
    {
        if (Model.OpsetImport.All(o => o.Domain != MicrosoftDomain))
        {
            Model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }
    }

    /// <summary>Serializes the model.</summary>
    public byte[] ToBytes() => Model.ToByteArray();

    /// <summary>Writes the model to a file.</summary>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        Model.WriteTo(stream);
    }

    /// <summary>A name not yet used in the graph, starting with <paramref name="prefix"/>.</summary>
    public string UniqueName(string prefix)
    {
        string name;
        do
        {
            name = $"{prefix}_{_counter++}";
        }
        while (_names.Contains(name));
        return name;
    }

    private string AddInitializer(TensorProto tensor)
    {
        if (!_names.Add(tensor.Name))
        {
            throw new ArgumentException($"The graph already has a value named '{tensor.Name}'.", nameof(tensor));
        }

        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float tensor (raw little-endian data), for initializers and tensor attributes.</summary>
    public static TensorProto FloatTensor(string name, ReadOnlySpan<float> data, params long[] shape) =>
        NewTensor(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>An int64 tensor (raw little-endian data), for initializers and tensor attributes.</summary>
    public static TensorProto Int64Tensor(string name, ReadOnlySpan<long> data, params long[] shape) =>
        NewTensor(name, TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>The values of a float tensor, whether stored as raw data or as float_data.</summary>
    public static float[] ToFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' is not float (data type {tensor.DataType}).", nameof(tensor));
        }

        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' keeps its data in an external file; save the model with its weights inside.", nameof(tensor));
        }

        return tensor.RawData.IsEmpty ? [.. tensor.FloatData] : MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
    }

    private static TensorProto NewTensor(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> raw, int count, long[] shape)
    {
        CheckCount(name, count, shape);

        // ONNX raw_data is little-endian, the byte order of every platform .NET runs this service on.
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(shape);
        return tensor;
    }

    private static void CheckCount(string name, int count, long[] shape)
    {
        var expected = shape.Aggregate(1L, (a, d) => a * d);
        if (expected != count)
        {
            throw new ArgumentException($"Initializer '{name}' has {count} values but shape [{string.Join(", ", shape)}] needs {expected}.", nameof(shape));
        }
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, OnnxDim[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => d.Param is { } param
            ? new TensorShapeProto.Types.Dimension { DimParam = param }
            : new TensorShapeProto.Types.Dimension { DimValue = d.Value }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
