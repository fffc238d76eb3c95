namespace Serverless.Serving;

/// <summary>A version that cannot be served, for /api/health.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Version">Version number.</param>
/// <param name="Type">The problem type its requests get, e.g. urn:serverless:problem:invalid-model-package.</param>
/// <param name="Reason">Why, as its requests are told.</param>
public sealed record UnservableModelInfo(string Name, string Version, string Type, string Reason);
