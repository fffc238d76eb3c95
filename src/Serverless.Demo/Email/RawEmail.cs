namespace Serverless.Demo.Email;

/// <summary>One raw message of the SpamAssassin public corpus.</summary>
/// <param name="Group">Corpus folder, e.g. easy-ham-1 or spam-2.</param>
/// <param name="FileName">File name inside the folder.</param>
/// <param name="Label">"ham" or "spam".</param>
/// <param name="Content">The raw message bytes.</param>
public sealed record RawEmail(string Group, string FileName, string Label, byte[] Content);
