namespace Serverless.Packages;

/// <summary>
/// The variants a model version may hold: the fp32 graph every package has, and an int8 graph (dynamically quantized weight
/// MatMuls) at <see cref="PackageFiles.QuantizedModel"/> when the manifest lists it as kept.
/// </summary>
public static class ModelVariants
{
    /// <summary>The package's own float graph (model.onnx).</summary>
    public const string Fp32 = "fp32";

    /// <summary>The dynamically quantized graph (onnx/model_quantized.onnx).</summary>
    public const string Int8 = "int8";

    /// <summary>Every variant name, in order of preference when none is asked for (first the faster one a version has).</summary>
    public static IReadOnlyList<string> All { get; } = [Int8, Fp32];

    /// <summary>Whether <paramref name="name"/> is one of <see cref="All"/> (case-sensitive, as the contract spells them).</summary>
    public static bool IsKnown(string? name) => name is Fp32 or Int8;
}
