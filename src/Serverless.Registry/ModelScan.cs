namespace Serverless.Registry;

/// <summary>What a listing of one model's blobs says (<see cref="RegistryLayout.Scan"/>): claimed and published versions, and whether aliases exist.</summary>
internal sealed class ModelScan
{
    /// <summary>Every version number whose folder has any blob (its claim marker at least): never handed out again.</summary>
    public SortedSet<int> Claimed { get; } = [];

    /// <summary>The versions whose manifest is written: the only ones readers see.</summary>
    public SortedSet<int> Published { get; } = [];

    /// <summary>True when the model's aliases.json exists.</summary>
    public bool HasAliases { get; set; }
}
