using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>The version a publish created.</summary>
public sealed record PublishedVersion(string Name, string Version, Manifest Manifest);
