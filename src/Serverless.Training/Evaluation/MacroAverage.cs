namespace Serverless.Training.Evaluation;

/// <summary>Which labels macro-F1 averages over.</summary>
public enum MacroAverage
{
    /// <summary>Every label of the model, as the model's own metrics do.</summary>
    AllLabels,

    /// <summary>
    /// The labels that the examples have (scikit-learn's <c>labels=unique(y_true)</c>), for subsets such as slices: a slice
    /// holding only one class would otherwise count every other class as an F1 of 0 — absent ones, and any the model
    /// wrongly predicts there, which punishes each error a second time.
    /// </summary>
    LabelsWithSupport,
}
