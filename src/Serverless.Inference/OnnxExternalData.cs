// Hand-written protobuf walk: it visits only the few ModelProto/GraphProto/TensorProto fields that can hold tensors and
// skips the weights in place, where generated classes would copy every raw_data buffer of a 90 MB model first.
using System.Text;

using Serverless.Errors;

namespace Serverless.Inference;

/// <summary>
/// Finds tensors of an ONNX model (initializers, sparse initializers, tensor attributes, in the main graph, nested
/// subgraphs, functions and training graphs) whose data lives outside the model file (TensorProto data_location EXTERNAL
/// with a <c>location</c> entry). Such a file makes ONNX Runtime open whatever path the entry names, so a package must
/// keep its weights inside model.onnx; the check runs on the same bytes ONNX Runtime then loads. Stateless and thread-safe.
/// </summary>
public static class OnnxExternalData
{
    // Field numbers from onnx.proto3.
    private const int ModelGraph = 7;
    private const int ModelTrainingInfo = 20;
    private const int ModelFunctions = 25;
    private const int TrainingInfoInitialization = 1;
    private const int TrainingInfoAlgorithm = 2;
    private const int FunctionNode = 7;
    private const int GraphNode = 1;
    private const int GraphInitializer = 5;
    private const int GraphSparseInitializer = 15;
    private const int NodeAttribute = 5;
    private const int AttributeTensor = 5;
    private const int AttributeGraph = 6;
    private const int AttributeTensors = 10;
    private const int AttributeGraphs = 11;
    private const int AttributeSparseTensor = 22;
    private const int AttributeSparseTensors = 23;
    private const int SparseValues = 1;
    private const int SparseIndices = 2;
    private const int TensorName = 8;
    private const int TensorExternalData = 13;
    private const int TensorDataLocation = 14;
    private const int EntryKey = 1;
    private const int EntryValue = 2;
    private const int MaxDepth = 64;

    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    /// <summary>Refuses a model that keeps any tensor's data outside the model file.</summary>
    /// <exception cref="InvalidModelPackageException">A tensor points at external data, or the bytes are not a protobuf message.</exception>
    public static void EnsureNone(ReadOnlySpan<byte> model)
    {
        var found = Find(model);
        if (found.Count > 0)
        {
            var (name, location) = found[0];
            throw new InvalidModelPackageException(
                $"model.onnx keeps the data of tensor '{name}' ({found.Count} tensor(s) in all) in an external file '{location}'" +
                (IsOutside(location) ? ", outside the package" : "") +
                ": a package must hold its weights inside model.onnx (export without external data, e.g. save_as_external_data=False).");
        }
    }

    /// <summary>Every tensor whose data is external: its name and the <c>location</c> it names ("" when none).</summary>
    /// <exception cref="InvalidModelPackageException">The bytes are not a well-formed protobuf message.</exception>
    public static IReadOnlyList<(string Tensor, string Location)> Find(ReadOnlySpan<byte> model)
    {
        var found = new List<(string, string)>();
        try
        {
            Walk(model, Message.Model, found, 0);
        }
        catch (FormatException ex)
        {
            throw new InvalidModelPackageException($"model.onnx is not a valid ONNX protobuf file: {ex.Message}");
        }

        return found;
    }

    private static bool IsOutside(string location) =>
        location.Length == 0 || Path.IsPathRooted(location) || location.Contains('\\', StringComparison.Ordinal) ||
        location.Split('/').Contains("..");

    private enum Message
    {
        Model,
        TrainingInfo,
        Function,
        Graph,
        Node,
        Attribute,
        Sparse,
        Tensor,
    }

    private static void Walk(ReadOnlySpan<byte> data, Message message, List<(string, string)> found, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new FormatException("subgraphs are nested too deeply.");
        }

        var reader = new Reader(data);
        string name = "", location = "";
        var external = false;
        while (!reader.End)
        {
            var (field, wire) = reader.ReadTag();
            if (message == Message.Tensor && field == TensorDataLocation && wire == WireVarint)
            {
                external = reader.ReadVarint() == 1;
                continue;
            }

            if (wire != WireLengthDelimited)
            {
                reader.Skip(wire);
                continue;
            }

            var payload = reader.ReadLengthDelimited();
            switch (message, field)
            {
                case (Message.Model, ModelGraph):
                case (Message.TrainingInfo, TrainingInfoInitialization or TrainingInfoAlgorithm):
                case (Message.Attribute, AttributeGraph or AttributeGraphs):
                    Walk(payload, Message.Graph, found, depth + 1);
                    break;
                case (Message.Model, ModelTrainingInfo):
                    Walk(payload, Message.TrainingInfo, found, depth + 1);
                    break;
                case (Message.Model, ModelFunctions):
                    Walk(payload, Message.Function, found, depth + 1);
                    break;
                case (Message.Graph, GraphNode):
                case (Message.Function, FunctionNode):
                    Walk(payload, Message.Node, found, depth + 1);
                    break;
                case (Message.Node, NodeAttribute):
                    Walk(payload, Message.Attribute, found, depth + 1);
                    break;
                case (Message.Graph, GraphInitializer):
                case (Message.Attribute, AttributeTensor or AttributeTensors):
                case (Message.Sparse, SparseValues or SparseIndices):
                    Walk(payload, Message.Tensor, found, depth + 1);
                    break;
                case (Message.Graph, GraphSparseInitializer):
                case (Message.Attribute, AttributeSparseTensor or AttributeSparseTensors):
                    Walk(payload, Message.Sparse, found, depth + 1);
                    break;
                case (Message.Tensor, TensorName):
                    name = Encoding.UTF8.GetString(payload);
                    break;
                case (Message.Tensor, TensorExternalData):
                    if (ReadEntry(payload) is ("location", var value))
                    {
                        location = value;
                    }

                    break;
            }
        }

        if (external)
        {
            found.Add((name, location));
        }
    }

    private static (string Key, string Value) ReadEntry(ReadOnlySpan<byte> entry)
    {
        var reader = new Reader(entry);
        string key = "", value = "";
        while (!reader.End)
        {
            var (field, wire) = reader.ReadTag();
            if (wire != WireLengthDelimited)
            {
                reader.Skip(wire);
            }
            else if (field == EntryKey)
            {
                key = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
            }
            else if (field == EntryValue)
            {
                value = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
            }
            else
            {
                reader.ReadLengthDelimited();
            }
        }

        return (key, value);
    }

    /// <summary>Reads protobuf wire format from a span; every read is bounds-checked.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool End => _position >= _data.Length;

        public (int Field, int Wire) ReadTag()
        {
            var tag = ReadVarint();
            var field = tag >> 3;
            if (field == 0 || field > int.MaxValue)
            {
                throw new FormatException("a field number is invalid.");
            }

            return ((int)field, (int)(tag & 7));
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    throw new FormatException("the file ends inside a number.");
                }

                var b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new FormatException("a number is longer than 10 bytes.");
        }

        public ReadOnlySpan<byte> ReadLengthDelimited()
        {
            var length = ReadVarint();
            if (length > (ulong)(_data.Length - _position))
            {
                throw new FormatException("a field is longer than the rest of the file.");
            }

            var slice = _data.Slice(_position, (int)length);
            _position += (int)length;
            return slice;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case WireVarint:
                    ReadVarint();
                    break;
                case WireFixed64:
                    Advance(8);
                    break;
                case WireLengthDelimited:
                    ReadLengthDelimited();
                    break;
                case WireFixed32:
                    Advance(4);
                    break;
                default:
                    throw new FormatException($"wire type {wire} is not supported.");
            }
        }

        private void Advance(int count)
        {
            if (count > _data.Length - _position)
            {
                throw new FormatException("the file ends inside a field.");
            }

            _position += count;
        }
    }
}
