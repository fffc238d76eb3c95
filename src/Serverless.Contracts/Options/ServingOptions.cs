using System.ComponentModel.DataAnnotations;

namespace Serverless.Options;

/// <summary>Which model is served by default and on which device. Section "Serving".</summary>
public sealed class ServingOptions : IValidatableObject
{
    public const string Section = "Serving";

    /// <summary>Model used when a request names none.</summary>
    [Required, RegularExpression(ModelNames.Pattern)]
    public string DefaultModel { get; set; } = "spam";

    /// <summary>Alias used when a request names no version.</summary>
    [Required]
    public string DefaultAlias { get; set; } = "production";

    /// <summary>auto (CUDA when it loads, else CPU with a warning), cpu, or cuda (fail at start when CUDA cannot load).</summary>
    public InferenceDevice Device { get; set; } = InferenceDevice.Auto;

    /// <summary>CUDA device id.</summary>
    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>ONNX Runtime intra-op threads on the CPU; 0 means one per core.</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// On CUDA, set ONNX Runtime's <c>session.disable_cpu_ep_fallback</c>: a graph with any node the CUDA provider does not
    /// take fails to load (saying so) instead of running that node on the CPU. Off by default: ONNX Runtime places a BERT
    /// graph's small shape computations on the CPU by design, which this refuses too.
    /// </summary>
    public bool DisableCpuFallback { get; set; }

    /// <summary>
    /// Run a version's unpadded graph where it has one (the manifest's <c>packed</c> entry for the variant): a batch of texts
    /// of mixed lengths then costs what its real tokens cost. Off by default: the engine's cost-model batching already
    /// keeps padding to a few per cent, so both modes serve at about the same rate on a CPU (README, Benchmarks).
    /// </summary>
    public bool Unpadded { get; set; }

    /// <summary>
    /// The variant each model serves when a request names none, by model name ("fp32" or "int8"; e.g.
    /// <c>Serving:Variants:spam = fp32</c>). A model without an entry serves int8 when the version has it, else fp32; an
    /// entry naming a variant the version lacks falls back the same way.
    /// </summary>
    public Dictionary<string, string> Variants { get; set; } = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (model, variant) in Variants.Where(v => !Packages.ModelVariants.IsKnown(v.Value)))
        {
            yield return new ValidationResult(
                $"Serving:Variants:{model} is '{variant}'; it must be \"{Packages.ModelVariants.Fp32}\" or \"{Packages.ModelVariants.Int8}\".",
                [nameof(Variants)]);
        }
    }
}
