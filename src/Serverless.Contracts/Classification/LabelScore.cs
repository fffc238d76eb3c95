namespace Serverless.Classification;

/// <summary>One label's score.</summary>
public sealed record LabelScore(string Label, float Score);
