using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

using Serverless.Packages;
using Serverless.Training.Choices;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.Cards;

/// <summary>Validation metrics after an epoch.</summary>
public sealed record EpochMetrics(int Epoch, double Accuracy, double MacroF1, double? Loss = null);
