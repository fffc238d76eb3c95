using Serverless.Onnx;
using Serverless.Packages;

namespace Serverless.Training.HeadOnly;

/// <summary>
/// The encoder of a classifier package, with its head dropped, as a base-encoder package: head-only training from a
/// classifier base fits a new head on the embeddings of that classifier's (fine-tuned) encoder. Works for the graphs
/// the project's weight reader recognises (BERT-family encoders); others cannot give a head-only baseline.
/// </summary>
public static class ClassifierEncoder
{
    /// <summary>
    /// Returns <paramref name="package"/> itself when it is a base encoder; otherwise writes its encoder to
    /// <paramref name="directory"/> (replaced) and returns that package.
    /// </summary>
    /// <exception cref="Errors.InvalidModelPackageException">The classifier's graph is not one the weight reader recognises.</exception>
    public static ModelPackage EncoderOf(ModelPackage package, string directory)
    {
        ArgumentNullException.ThrowIfNull(package);
        if (package.Config.IsBaseEncoder)
        {
            return package;
        }

        var weights = OnnxBertWeightsReader.Read(package.ModelPath);
        var config = package.Config.WithoutLabels();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        ModelPackageWriter.Write(directory, new ModelPackageContent
        {
            Model = BertOnnxWriter.Write(config, weights),
            Vocab = File.ReadAllLines(package.VocabPath).Where(l => l.Length > 0).ToArray(),
            TokenizerConfig = package.TokenizerConfig,
            Config = config,
        });
        return ModelPackage.Open(directory);
    }
}
