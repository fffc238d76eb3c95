namespace Serverless.Packages;

/// <summary>Hash and size of one package file.</summary>
public sealed record ManifestFile(string Sha256, long Size);
