using Microsoft.ML.OnnxRuntime;

namespace Serverless.Onnx.Tests;

/// <summary>Runs a model on ONNX Runtime's CPU provider with hand-built int64 inputs.</summary>
public sealed class OrtRunner : IDisposable
{
    private readonly InferenceSession _session;

    /// <param name="model">The ONNX model.</param>
    /// <param name="optimize">False runs the graph as written, without ONNX Runtime's fusions.</param>
    public OrtRunner(byte[] model, bool optimize = true) => _session = new InferenceSession(model, Options(optimize));

    public OrtRunner(string path) => _session = new InferenceSession(path, Options(optimize: true));

    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>Pads <paramref name="rows"/> with 0 and runs; returns the named output and its shape.</summary>
    public (float[] Values, long[] Shape) Run(IReadOnlyList<long[]> rows, string output, IReadOnlyList<long[]>? tokenTypes = null)
    {
        var batch = rows.Count;
        var sequence = rows.Max(r => r.Length);
        var ids = new long[batch * sequence];
        var mask = new long[batch * sequence];
        var types = new long[batch * sequence];
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < rows[b].Length; t++)
            {
                ids[b * sequence + t] = rows[b][t];
                mask[b * sequence + t] = 1;
                types[b * sequence + t] = tokenTypes?[b][t] ?? 0;
            }
        }

        long[] shape = [batch, sequence];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        var inputs = new Dictionary<string, OrtValue> { ["input_ids"] = idsValue, ["attention_mask"] = maskValue, ["token_type_ids"] = typesValue };
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, inputs, [output]);
        var result = results[0];
        return (result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape);
    }

    /// <summary>Runs a packed-layout graph (<see cref="BertLayout.Packed"/>) on <paramref name="rows"/>; returns the named output and its shape.</summary>
    public (float[] Values, long[] Shape) RunPacked(IReadOnlyList<long[]> rows, string output, IReadOnlyList<long[]>? tokenTypes = null)
    {
        var batch = rows.Count;
        var sequence = rows.Max(r => r.Length);
        var tokens = rows.Sum(r => r.Length);
        var ids = new long[tokens];
        var types = new long[tokens];
        var positions = new long[tokens];
        var packedIndex = new long[tokens];
        var tokenIndex = Enumerable.Repeat((long)tokens, batch * sequence).ToArray();
        var mask = new long[batch * sequence];
        var n = 0;
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < rows[b].Length; t++, n++)
            {
                ids[n] = rows[b][t];
                types[n] = tokenTypes?[b][t] ?? 0;
                positions[n] = t;
                packedIndex[n] = (b * sequence) + t;
                tokenIndex[(b * sequence) + t] = n;
                mask[(b * sequence) + t] = 1;
            }
        }

        var values = new[] { ids, types, positions, packedIndex, tokenIndex, mask };
        var named = new Dictionary<string, OrtValue>();
        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                long[] shape = i < 4 ? [tokens] : [batch, sequence];
                named[BertOnnxWriter.PackedInputNames[i]] = OrtValue.CreateTensorValueFromMemory(values[i], shape);
            }

            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, named, [output]);
            return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[0].GetTensorTypeAndShape().Shape);
        }
        finally
        {
            foreach (var value in named.Values)
            {
                value.Dispose();
            }
        }
    }

    public void Dispose() => _session.Dispose();

    private static SessionOptions Options(bool optimize) => new()
    {
        IntraOpNumThreads = 1,
        GraphOptimizationLevel = optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
}
