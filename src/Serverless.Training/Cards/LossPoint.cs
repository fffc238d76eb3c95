namespace Serverless.Training.Cards;

/// <summary>Training loss at a point of training; <paramref name="Epoch"/> is fractional for per-step losses.</summary>
public sealed record LossPoint(double Epoch, double Loss);
