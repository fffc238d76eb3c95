using System.Text.Json.Nodes;

namespace Serverless.Training;

/// <summary>
/// How a run settled one hyperparameter: the value it used, whether the run chose it (the request left it null) and why.
/// Recorded in status.json, the lineage of the manifest and the model card, keyed by the hyperparameter's request name.
/// </summary>
/// <param name="Value">The value used, as in the request's JSON.</param>
/// <param name="Chosen">True when the request left the value null and the run chose it from the data.</param>
/// <param name="Reason">Why this value, in a short line for people, e.g. "covers 95 % of the 812 training texts".</param>
public sealed record HyperparameterChoice(JsonNode? Value, bool Chosen, string Reason);
