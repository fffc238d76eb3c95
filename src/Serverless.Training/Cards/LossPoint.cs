using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

using Serverless.Packages;
using Serverless.Training.Choices;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.Cards;

/// <summary>Training loss at a point of training; <paramref name="Epoch"/> is fractional for per-step losses.</summary>
public sealed record LossPoint(double Epoch, double Loss);
