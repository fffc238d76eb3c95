using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Serverless.Registry;

namespace Serverless.Serving.Tests;

/// <summary>
/// Dependencies point one way: serving builds on the registry, and neither the registry nor training (nor the trainer)
/// depends on serving. Training and the trainer are read from their files, copied beside the tests, so that this project
/// does not load TorchSharp.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Assembly s_registry = typeof(BlobModelRegistry).Assembly;
    private static readonly Assembly s_serving = typeof(ServedModels).Assembly;

    [Fact]
    public void Registry_ReferencesNoServingAssemblyAndDefinesNoServingType()
    {
        var servingTypes = s_serving.GetTypes().Select(t => t.Name).Where(n => !n.StartsWith('<')).ToHashSet(StringComparer.Ordinal);
        servingTypes.Remove("Log");

        Assert.DoesNotContain(s_serving.GetName().Name, s_registry.GetReferencedAssemblies().Select(a => a.Name));
        Assert.DoesNotContain(s_registry.GetTypes(), t => t.Namespace?.StartsWith(s_serving.GetName().Name!, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(s_registry.GetTypes(), t => servingTypes.Contains(t.Name));
        Assert.Contains(nameof(ServedModels), servingTypes);
    }

    [Fact]
    public void Serving_BuildsOnTheRegistryAndInference()
    {
        var references = s_serving.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains(s_registry.GetName().Name, references);
        Assert.Contains("Serverless.Inference", references);
    }

    [Theory]
    [InlineData("Serverless.Training.dll", "Serverless.Registry")]
    [InlineData("Serverless.Trainer.dll", "Serverless.Training")]
    public void TrainingAndTheTrainer_DoNotReferenceServing(string file, string layerBelow)
    {
        var references = AssemblyReferences(Path.Combine(AppContext.BaseDirectory, file));

        Assert.Contains(layerBelow, references);
        Assert.DoesNotContain(s_serving.GetName().Name, references);
    }

    /// <summary>The names of the assemblies an assembly file references, read from its metadata without loading it.</summary>
    private static List<string> AssemblyReferences(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing: this project's build copies it from its ProjectReference.");
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        return [.. metadata.AssemblyReferences.Select(handle => metadata.GetString(metadata.GetAssemblyReference(handle).Name))];
    }
}
