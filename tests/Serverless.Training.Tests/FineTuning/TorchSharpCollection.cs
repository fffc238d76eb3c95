namespace Serverless.Training.Tests.FineTuning;

/// <summary>
/// Tests that train run alone: dropout draws from torch's process-wide generator, so another test using it at the same
/// time would change the draws and break the determinism the resume tests assert.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchSharpCollection
{
    public const string Name = "TorchSharp";
}
