namespace Serverless.Training.Data;

/// <summary>One text and its label.</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">Its class.</param>
/// <param name="Slice">
/// Its value of the dataset's slice field, when the job names one (<see cref="DatasetFields.NoSlice"/> where the example has
/// none); null when no slice field was asked for.
/// </param>
public sealed record LabelledExample(string Text, string Label, string? Slice = null);
