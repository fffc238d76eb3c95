using Serverless.Training.HeadOnly;

namespace Serverless.Demo.QuickStart;

/// <summary>What the quick start found or made.</summary>
/// <param name="BaseVersion">The base encoder's version behind the alias.</param>
/// <param name="BaseCreated">Whether this run published the base encoder.</param>
/// <param name="ModelVersion">The classifier's version behind the alias.</param>
/// <param name="ModelCreated">Whether this run trained and published the classifier.</param>
/// <param name="Training">The training result when the classifier was made now.</param>
public sealed record QuickStartResult(string BaseVersion, bool BaseCreated, string ModelVersion, bool ModelCreated, HeadTrainingResult? Training);
