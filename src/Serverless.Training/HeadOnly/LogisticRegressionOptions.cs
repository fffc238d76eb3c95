namespace Serverless.Training.HeadOnly;

/// <summary>Settings of a multinomial logistic-regression fit.</summary>
/// <param name="L2">L2 penalty on the weights of the standardized features (λ/2·‖W‖²).</param>
/// <param name="Epochs">Full-batch passes over the training data.</param>
/// <param name="LearningRate">Peak Adam step size; it decays to zero on a cosine schedule.</param>
/// <param name="ClassWeights">Weight of each class's examples in the loss (null: all 1); see <see cref="Choices.ClassWeightingRule.BalancedWeights"/>.</param>
public sealed record LogisticRegressionOptions(double L2 = 1e-3, int Epochs = 300, double LearningRate = 0.05, IReadOnlyList<double>? ClassWeights = null);
