namespace Serverless.Packages;

/// <summary>
/// The one rule for where a file of a folder of blobs (a package, a run's checkpoints or candidate) lands on local disk:
/// a relative name of forward-slash segments, each a plain file or folder name, always inside the local folder. Blob names
/// are chosen by whoever can write to storage, so a name such as <c>../x</c>, <c>/etc/x</c>, <c>a//b</c> or <c>a\b</c> is
/// refused rather than normalised: two names must never map to one file, and none may leave the folder.
/// </summary>
public static class LocalFolderPath
{
    /// <summary>
    /// The local path of blob <paramref name="blobName"/> of the blob folder <paramref name="prefix"/> (which ends with a
    /// slash, or is empty for a whole container) inside <paramref name="localRoot"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The name is not under the prefix or is not a safe relative path.</exception>
    public static string ForBlob(string localRoot, string prefix, string blobName)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(blobName);
        if (!blobName.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The blob '{Printable(blobName)}' is not under the folder '{Printable(prefix)}'.");
        }

        return Resolve(localRoot, blobName[prefix.Length..]);
    }

    /// <summary>
    /// The local path of <paramref name="relativePath"/> (forward slashes) inside <paramref name="localRoot"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The path is empty, rooted, has a backslash, an empty, <c>.</c> or <c>..</c> segment, or a control character.
    /// </exception>
    public static string Resolve(string localRoot, string relativePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(localRoot);
        ArgumentNullException.ThrowIfNull(relativePath);
        if (Problem(relativePath) is { } problem)
        {
            throw new InvalidDataException($"The name '{Printable(relativePath)}' cannot be stored in a local folder: {problem}.");
        }

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(localRoot)) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(root + relativePath.Replace('/', Path.DirectorySeparatorChar));
        if (!path.StartsWith(root, StringComparison.Ordinal))
        {
            // Unreachable after the checks above; kept so that no future change to them can write outside the folder.
            throw new InvalidDataException($"The name '{Printable(relativePath)}' leads outside the folder.");
        }

        return path;
    }

    private static string? Problem(string relativePath)
    {
        if (relativePath.Length == 0)
        {
            return "it is empty";
        }

        if (relativePath.Contains('\\', StringComparison.Ordinal))
        {
            return "it has a backslash (use forward slashes between folders)";
        }

        if (relativePath.StartsWith('/') || Path.IsPathRooted(relativePath))
        {
            return "it is an absolute path";
        }

        if (relativePath.Any(c => char.IsControl(c) || c == ':'))
        {
            return "it has a control character or a colon";
        }

        foreach (var segment in relativePath.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "it has an empty segment ('//' or a trailing '/')";
            }

            if (segment is "." or "..")
            {
                return "it has a '.' or '..' segment";
            }
        }

        return null;
    }

    // Messages name the offending blob without echoing control characters into logs and status documents.
    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? '?' : c));
}
