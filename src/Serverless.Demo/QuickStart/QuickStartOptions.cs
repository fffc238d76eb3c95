using Serverless.Training.HeadOnly;

namespace Serverless.Demo.QuickStart;

/// <summary>Names and settings of the quick-start models.</summary>
public sealed record QuickStartOptions
{
    /// <summary>Registry name of the base encoder.</summary>
    public string BaseModel { get; init; } = "minilm";

    /// <summary>Registry name of the classifier.</summary>
    public string Model { get; init; } = "spam";

    /// <summary>Alias both get.</summary>
    public string Alias { get; init; } = "production";

    /// <summary>Seed of the stratified 80/10/10 split.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// Head training settings. Max length 128 keeps the build to a few minutes on two cores; the subject and the start of
    /// the body carry most of the signal.
    /// </summary>
    public HeadTrainingOptions Training { get; init; } = new() { MaxLength = 128 };

    /// <summary>Scratch folder for packages before publishing; null means a temporary folder.</summary>
    public string? WorkDirectory { get; init; }
}
