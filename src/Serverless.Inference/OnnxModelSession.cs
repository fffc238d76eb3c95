using System.Globalization;
using System.Runtime.CompilerServices;

using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Inference;

/// <summary>
/// One ONNX Runtime session for one model version, on the device chosen by <see cref="ServingOptions.Device"/>.
/// Thread-safe: <see cref="Run(EncodedBatch, out int[])"/> may be called concurrently (ONNX Runtime's Run is); <see cref="Dispose"/> must not race
/// with it.
/// </summary>
public sealed class OnnxModelSession : IDisposable
{
    /// <summary>Output of a classifier: [batch, labels].</summary>
    public const string LogitsOutput = "logits";

    /// <summary>Output of a base encoder: [batch, sequence, hidden].</summary>
    public const string HiddenStateOutput = "last_hidden_state";

    /// <summary>Device name of the CPU execution provider.</summary>
    public const string CpuDevice = "cpu";

    /// <summary>Device name of the CUDA execution provider.</summary>
    public const string CudaDevice = "cuda";

    private const string InputIds = "input_ids";
    private const string AttentionMask = "attention_mask";
    private const string TokenTypeIds = "token_type_ids";

    private static readonly string[] s_inputsWithTokenTypes = [InputIds, AttentionMask, TokenTypeIds];
    private static readonly string[] s_inputsWithoutTokenTypes = [InputIds, AttentionMask];
    private static readonly string[] s_logitsOutputs = [LogitsOutput];
    private static readonly string[] s_hiddenStateOutputs = [HiddenStateOutput];
    private static readonly RunOptions s_runOptions = new();
    private static readonly RunOptions s_shrinkingRunOptions = CreateShrinkingRunOptions();

    /// <summary>
    /// Token positions (rows × padded length) from which a run hands the arena's unused regions back at its end: a large
    /// batch leaves regions worth returning; a small one would only pay to allocate them again on the next run.
    /// </summary>
    internal const int ShrinkFromPositions = 2048;

    /// <summary><see cref="Execution"/> of a session that runs the version's unpadded graph.</summary>
    public const string UnpaddedExecution = "unpadded";

    /// <summary><see cref="Execution"/> of a session that runs the padded graph.</summary>
    public const string PaddedExecution = "padded";

    private static readonly string[] s_packedInputs = [.. PackedGraphInputs.Names];

    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    private OnnxModelSession(InferenceSession session, string device, bool hasTokenTypeIds, string outputName, string? paddedReason)
    {
        _session = session;
        Device = device;
        IsPacked = paddedReason is null;
        _inputNames = IsPacked ? s_packedInputs : hasTokenTypeIds ? s_inputsWithTokenTypes : s_inputsWithoutTokenTypes;
        _outputNames = outputName == LogitsOutput ? s_logitsOutputs : s_hiddenStateOutputs;
        OutputName = outputName;
        PaddedReason = paddedReason;
    }

    /// <summary>
    /// Whether the session runs the version's unpadded graph (<see cref="ModelPackage.PackedModelPath"/>): token-wise steps
    /// on the batch's real tokens only, so a batch costs what its real tokens cost.
    /// </summary>
    public bool IsPacked { get; }

    /// <summary><see cref="UnpaddedExecution"/> or <see cref="PaddedExecution"/>.</summary>
    public string Execution => IsPacked ? UnpaddedExecution : PaddedExecution;

    /// <summary>Why the session runs padded, in words; null when it runs unpadded.</summary>
    public string? PaddedReason { get; }

    /// <summary>The device the session runs on: "cpu" or "cuda".</summary>
    public string Device { get; }

    /// <summary>The output this session computes: "logits" (classifier) or "last_hidden_state" (base encoder).</summary>
    public string OutputName { get; }

    /// <summary>Whether the graph takes token_type_ids (fed as zeros when it does).</summary>
    public bool HasTokenTypeIds => IsPacked || _inputNames.Length == 3;

    /// <summary>
    /// Loads the package's model on the configured device: cpu; cuda (a failure to load CUDA throws); auto (CUDA when it
    /// loads, else the CPU with a warning saying why).
    /// </summary>
    /// <exception cref="InvalidModelPackageException">
    /// The graph cannot be loaded, keeps data in external files, has fixed input shapes, or its inputs/outputs do not fit.
    /// </exception>
    /// <exception cref="InferenceDeviceException">Device is cuda and the CUDA execution provider cannot be loaded.</exception>
    public static OnnxModelSession Create(ModelPackage package, ServingOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        NativeAllocator.Configure();

        // Batches vary in size and length, so a memory pattern (planned and cached per input shape) is rarely reused and
        // only adds to what the process holds.
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            EnableMemoryPattern = false,
        };
        try
        {
            ConfigureThreads(sessionOptions, options.IntraOpThreads);
            var device = ChooseDevice(sessionOptions, options, logger);
            if (device == CudaDevice && package.Variant == ModelVariants.Int8)
            {
                // Loading it would "work": ONNX Runtime would place every DynamicQuantizeMatMul on the CPU, with copies to and
                // from the GPU around each one. Refused instead, so nothing silently runs on the CPU.
                throw new InvalidModelPackageException(
                    $"The int8 variant ({PackageFiles.QuantizedModel}) cannot run on the CUDA execution provider: its weight MatMuls are " +
                    "com.microsoft.DynamicQuantizeMatMul, for which ONNX Runtime has CPU (and DirectML) kernels only. Serve the fp32 " +
                    "variant on CUDA (\"variant\": \"fp32\" in the request, or Serving:Variants:{model} = fp32), or run on the CPU (Serving:Device = cpu).");
            }

            if (device == CudaDevice && options.DisableCpuFallback)
            {
                sessionOptions.AddSessionConfigEntry(DisableCpuFallbackEntry, "1");
            }

            var strictCuda = device == CudaDevice && options.DisableCpuFallback;
            var paddedReason = options.Unpadded ? package.PaddedReason : "Serving:Unpadded is off";
            if (paddedReason is null && package.PackedModelPath is { } packedPath)
            {
                try
                {
                    var packed = LoadSession(package, packedPath, sessionOptions, strictCuda);
                    try
                    {
                        var outputName = CheckPackedGraph(packed, package.Config);
                        Log.SessionCreated(logger, device, outputName, UnpaddedExecution, true, packedPath);
                        return new OnnxModelSession(packed, device, hasTokenTypeIds: true, outputName, paddedReason: null);
                    }
                    catch
                    {
                        packed.Dispose();
                        throw;
                    }
                }
                catch (InvalidModelPackageException ex)
                {
                    paddedReason = $"its unpadded graph did not load: {ex.Message}";
                    Log.UnpaddedUnavailable(logger, package.Variant, paddedReason);
                }
            }

            var session = LoadSession(package, package.ModelPath, sessionOptions, strictCuda);
            try
            {
                var (hasTokenTypeIds, outputName) = CheckGraph(session, package.Config);
                Log.SessionCreated(logger, device, outputName, PaddedExecution, hasTokenTypeIds, package.ModelPath);
                return new OnnxModelSession(session, device, hasTokenTypeIds, outputName, paddedReason);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }
        finally
        {
            // The session keeps what it needs from its options.
            sessionOptions.Dispose();
        }
    }

    /// <summary>
    /// Runs the graph on one batch and returns its output flat and row-major, with its shape: [batch, labels] for logits,
    /// [batch, sequence, hidden] for a base encoder's hidden states.
    /// </summary>
    /// <exception cref="InvalidOperationException">The session runs an unpadded graph: use <see cref="Run(IReadOnlyList{TokenizedText}, int, out int[])"/>.</exception>
    public float[] Run(EncodedBatch batch, out int[] outputShape)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (IsPacked)
        {
            throw new InvalidOperationException("This session runs an unpadded graph, which takes packed batches: run it on the tokenized texts.");
        }

        var count = batch.ElementCount;
        if (batch.BatchSize < 1 || batch.SequenceLength < 1 ||
            batch.InputIds.Length < count || batch.AttentionMask.Length < count || batch.TokenTypeIds.Length < count)
        {
            throw new ArgumentException("The batch's arrays are smaller than BatchSize × SequenceLength.", nameof(batch));
        }

        long[] shape = [batch.BatchSize, batch.SequenceLength];
        using var inputIds = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.InputIds.AsMemory(0, count), shape);
        using var attentionMask = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.AttentionMask.AsMemory(0, count), shape);
        using var tokenTypeIds = HasTokenTypeIds
            ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.TokenTypeIds.AsMemory(0, count), shape)
            : null;
        OrtValue[] inputs = tokenTypeIds is null ? [inputIds, attentionMask] : [inputIds, attentionMask, tokenTypeIds];

        return RunInputs(inputs, count, out outputShape);
    }

    /// <summary>
    /// One run on <paramref name="inputs"/> (in <see cref="_inputNames"/> order) over <paramref name="positions"/> padded
    /// token positions, which decide whether the arena hands its unused regions back; the output flat, with its shape.
    /// </summary>
    private float[] RunInputs(OrtValue[] inputs, int positions, out int[] outputShape)
    {
        using var outputs = _session.Run(positions >= ShrinkFromPositions ? s_shrinkingRunOptions : s_runOptions, _inputNames, inputs, _outputNames);
        var output = outputs[0];
        outputShape = Array.ConvertAll(output.GetTensorTypeAndShape().Shape, d => checked((int)d));
        return output.GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>
    /// Runs the graph on <paramref name="texts"/> in the session's layout (packed for an unpadded graph, padded to the
    /// longest text otherwise) and returns its output as <see cref="Run(EncodedBatch, out int[])"/> does.
    /// </summary>
    public float[] Run(IReadOnlyList<TokenizedText> texts, int padId, out int[] outputShape)
    {
        if (!IsPacked)
        {
            var padded = BatchEncoder.PadPooled(texts, padId);
            try
            {
                return Run(padded, out outputShape);
            }
            finally
            {
                BatchEncoder.Return(padded);
            }
        }

        var batch = BatchEncoder.PackPooled(texts);
        try
        {
            long[] tokenShape = [batch.Tokens];
            long[] paddedShape = [batch.BatchSize, batch.SequenceLength];
            var values = new[] { batch.InputIds, batch.TokenTypeIds, batch.PositionIds, batch.PackedIndex, batch.TokenIndex, batch.AttentionMask };
            var inputs = new OrtValue[values.Length];
            try
            {
                for (var i = 0; i < values.Length; i++)
                {
                    var token = i < PackedGraphInputs.TokenInputs;
                    inputs[i] = OrtValue.CreateTensorValueFromMemory(
                        OrtMemoryInfo.DefaultInstance, values[i].AsMemory(0, token ? batch.Tokens : batch.PaddedCount), token ? tokenShape : paddedShape);
                }

                return RunInputs(inputs, batch.PaddedCount, out outputShape);
            }
            finally
            {
                foreach (var input in inputs)
                {
                    input?.Dispose();
                }
            }
        }
        finally
        {
            BatchEncoder.Return(batch);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    /// <summary>
    /// A run of at least <see cref="ShrinkFromPositions"/> hands the CPU arena's unused regions back at its end. Without it
    /// the arena keeps what the largest batch ever needed (on MiniLM at 32 × 256 tokens, hundreds of MB of attention
    /// scores) for the life of the version, and grows further as batch shapes vary; the engine benchmark's memory rows show
    /// the difference. Allocation within a run still comes from the arena, and small runs keep theirs.
    /// </summary>
    private static RunOptions CreateShrinkingRunOptions()
    {
        var options = new RunOptions();
        options.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
        return options;
    }

    private static string ChooseDevice(SessionOptions sessionOptions, ServingOptions options, ILogger logger)
    {
        if (options.Device == InferenceDevice.Cpu)
        {
            return CpuDevice;
        }

        try
        {
            sessionOptions.AppendExecutionProvider_CUDA(options.CudaDeviceId);
            return CudaDevice;
        }
        // The provider library, or one of the CUDA libraries it needs, fails to load; which exception says so varies.
        catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            var reason = CudaUnavailableReason(options.CudaDeviceId, ex);
            if (options.Device == InferenceDevice.Cuda)
            {
                throw new InferenceDeviceException(
                    $"{reason} Install what is missing, or set Serving:Device to 'auto' (CUDA when it loads, else the CPU) or 'cpu'.", ex);
            }

            Log.CudaFallback(logger, reason);
            return CpuDevice;
        }
    }

    private static string CudaUnavailableReason(int deviceId, Exception ex) => string.Create(CultureInfo.InvariantCulture,
        $"The CUDA execution provider could not be loaded for device {deviceId} ({ex.GetType().Name}: {ex.Message.Trim()}).") +
        " It needs an NVIDIA GPU and driver, the CUDA runtime and cuBLAS (CUDA 13 for ONNX Runtime 1.31) and cuDNN 9 on the " +
        "library path, and the GPU build of ONNX Runtime (Microsoft.ML.OnnxRuntime.Gpu.Linux) in the application.";

    /// <summary>
    /// The CPU threads every session runs with (the engine's, and the raw sessions the benchmarks compare it with):
    /// <paramref name="intraOpThreads"/> intra-op threads (0 leaves ONNX Runtime's default, one per physical core) that
    /// spin for 100 µs when idle, then wait — long enough to catch the next operator of a run, short enough that between
    /// runs they do not take the cores from the tokenizer, the host and the storage client (the whole app shares them).
    /// Measured through <c>./run.sh</c> on 2 cores (README, Benchmarks): the queue ~1.25× ONNX Runtime's default spin at
    /// the same bulk rate; against no spinning, a lone text ~1.5 ms sooner at about the same rates.
    /// </summary>
    public static void ConfigureThreads(SessionOptions sessionOptions, int intraOpThreads)
    {
        ArgumentNullException.ThrowIfNull(sessionOptions);
        sessionOptions.IntraOpNumThreads = intraOpThreads;
        sessionOptions.AddSessionConfigEntry(SpinDurationEntry, "100");
        sessionOptions.AddSessionConfigEntry(SpinBackoffEntry, "8");
    }

    /// <summary>ONNX Runtime's session option that refuses to place nodes on the CPU when another provider is registered.</summary>
    public const string DisableCpuFallbackEntry = "session.disable_cpu_ep_fallback";

    // How long (µs) an idle intra-op thread spins before it waits, and the most pause instructions between its checks.
    private const string SpinDurationEntry = "session.intra_op.spin_duration_us";
    private const string SpinBackoffEntry = "session.intra_op.spin_backoff_max";

    private static InferenceSession LoadSession(ModelPackage package, string path, SessionOptions sessionOptions, bool strictCuda)
    {
        var session = ParseVerifiedModel(package, path, sessionOptions, strictCuda, out var modelBytes);
        if (modelBytes >= LargeObjectBytes)
        {
            ReleaseModelBytes();
        }

        return session;
    }

    /// <summary>
    /// Reads, checks and parses the model file. Not inlined: its frame holds the model's bytes (the array and spans over
    /// it), and must be gone for <see cref="ReleaseModelBytes"/> to free them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static InferenceSession ParseVerifiedModel(
        ModelPackage package, string path, SessionOptions sessionOptions, bool strictCuda, out int modelBytes)
    {
        // One read: the bytes checked against the manifest and for external data are the bytes ONNX Runtime parses, so
        // neither a file swapped after verification nor an ONNX Runtime that follows external paths gets a say.
        var model = package.ReadVerifiedModel(path);
        modelBytes = model.Length;
        OnnxExternalData.EnsureNone(model);
        try
        {
            return new InferenceSession(model, sessionOptions);
        }
        catch (OnnxRuntimeException ex) when (strictCuda)
        {
            throw new InvalidModelPackageException(CudaRefusal(package, path, ex));
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidModelPackageException($"{Path.GetFileName(path)} could not be loaded by ONNX Runtime: {ex.Message.Trim()}");
        }
    }

    /// <summary>The size from which .NET allocates an array on the large object heap.</summary>
    private const int LargeObjectBytes = 85_000;

    /// <summary>
    /// Hands the memory of the model's bytes back to the system once ONNX Runtime has parsed them. They are a single array
    /// of the model's size (91 MB for MiniLM) on the large object heap, which only a full collection frees, and even then
    /// the collector keeps the region committed for reuse: the serving benchmark showed the app holding it through a whole
    /// run. An aggressive collection decommits it; once per loaded graph, it pauses the process for tens of milliseconds.
    /// A model under <see cref="LargeObjectBytes"/> is left to the ordinary collections, which free it like any array.
    /// </summary>
    private static void ReleaseModelBytes() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>Why a graph does not load on CUDA with CPU fallback disabled.</summary>
    private static string CudaRefusal(ModelPackage package, string path, OnnxRuntimeException ex)
    {
        var file = Path.GetRelativePath(package.Directory, path).Replace('\\', '/');
        return $"The {package.Variant} variant ({file}) cannot run wholly on the CUDA execution provider, and Serving:DisableCpuFallback " +
            $"sets {DisableCpuFallbackEntry} so that no node runs on the CPU: {ex.Message.Trim()} ONNX Runtime names the nodes it " +
            "placed on the CPU in its verbose log (it places shape computations there by design); unset Serving:DisableCpuFallback to allow them.";
    }

    private static (bool HasTokenTypeIds, string OutputName) CheckGraph(InferenceSession session, ModelConfig config)
    {
        var inputs = session.InputMetadata;
        foreach (var required in s_inputsWithoutTokenTypes)
        {
            if (!inputs.ContainsKey(required))
            {
                throw new InvalidModelPackageException(
                    $"model.onnx has no '{required}' input (it has {Describe(inputs.Keys)}): a BERT-family model takes input_ids, attention_mask and optionally token_type_ids.");
            }
        }

        foreach (var input in inputs)
        {
            var (name, metadata) = (input.Key, input.Value);
            if (Array.IndexOf(s_inputsWithTokenTypes, name) < 0)
            {
                throw new InvalidModelPackageException(
                    $"model.onnx has an unexpected input '{name}': only input_ids, attention_mask and token_type_ids are fed.");
            }

            if (metadata.ElementDataType != TensorElementType.Int64 || metadata.Dimensions.Length != 2)
            {
                throw new InvalidModelPackageException(
                    $"model.onnx input '{name}' is {metadata.ElementDataType} of rank {metadata.Dimensions.Length}; it must be int64 [batch, sequence].");
            }

            if (metadata.Dimensions.Any(d => d > 0))
            {
                throw new InvalidModelPackageException(string.Create(CultureInfo.InvariantCulture,
                    $"model.onnx input '{name}' has the fixed shape [{string.Join(", ", metadata.Dimensions)}]; batches vary in size and length, so both dimensions must be dynamic: export with dynamic axes for batch and sequence."));
            }
        }

        var outputs = session.OutputMetadata;
        var outputName = outputs.ContainsKey(LogitsOutput) ? LogitsOutput
            : outputs.ContainsKey(HiddenStateOutput) ? HiddenStateOutput
            : throw new InvalidModelPackageException(
                $"model.onnx has neither a 'logits' nor a 'last_hidden_state' output (it has {Describe(outputs.Keys)}).");
        var output = outputs[outputName];
        if (output.ElementDataType != TensorElementType.Float)
        {
            throw new InvalidModelPackageException($"model.onnx output '{outputName}' is {output.ElementDataType}; it must be float32.");
        }

        if (!config.IsBaseEncoder)
        {
            var labels = config.LabelsInOrder().Count;
            if (outputName != LogitsOutput)
            {
                throw new InvalidModelPackageException(
                    "config.json describes a classifier (id2label) but model.onnx has no 'logits' output: export the model with its classification head, or publish it as a base encoder (architectures [\"BertModel\"], no id2label).");
            }

            if (output.Dimensions.Length != 2 || (output.Dimensions[1] > 0 && output.Dimensions[1] != labels))
            {
                throw new InvalidModelPackageException(string.Create(CultureInfo.InvariantCulture,
                    $"model.onnx output 'logits' has shape [{string.Join(", ", output.Dimensions)}] but config.json id2label has {labels} labels: they must agree ([batch, {labels}])."));
            }
        }

        return (inputs.ContainsKey(TokenTypeIds), outputName);
    }

    /// <summary>Checks an unpadded graph: exactly the <see cref="PackedGraphInputs"/> as int64, and a classifier's logits.</summary>
    private static string CheckPackedGraph(InferenceSession session, ModelConfig config)
    {
        var inputs = session.InputMetadata;
        if (config.IsBaseEncoder || inputs.Count != s_packedInputs.Length ||
            s_packedInputs.Any(name => !inputs.TryGetValue(name, out var input) || input.ElementDataType != TensorElementType.Int64))
        {
            throw new InvalidModelPackageException(
                $"the unpadded graph takes {Describe(inputs.Keys)}; it must take {Describe(s_packedInputs)} (int64) and belong to a classifier.");
        }

        if (!session.OutputMetadata.TryGetValue(LogitsOutput, out var logits) || logits.ElementDataType != TensorElementType.Float)
        {
            throw new InvalidModelPackageException("the unpadded graph has no float 'logits' output.");
        }

        return LogitsOutput;
    }

    private static string Describe(IEnumerable<string> names) =>
        string.Join(", ", names.Select(n => "'" + n + "'")) is { Length: > 0 } list ? list : "none";
}
