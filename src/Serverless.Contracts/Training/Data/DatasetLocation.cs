namespace Serverless.Training.Data;

/// <summary>Where a dataset blob is: <c>container/path</c>, as a training request names it.</summary>
/// <param name="Container">The blob container.</param>
/// <param name="BlobName">The blob's path in the container.</param>
public sealed record DatasetLocation(string Container, string BlobName)
{
    /// <summary>Parses <c>container/path</c>.</summary>
    /// <exception cref="DatasetException">It has no container or no path.</exception>
    public static DatasetLocation Parse(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var slash = location.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < location.Length - 1
            ? new DatasetLocation(location[..slash], location[(slash + 1)..])
            : throw new DatasetException($"{Errors.CallerInput.Excerpt(location)}: a dataset is named \"container/path\", e.g. \"datasets/spam/train.jsonl\".");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Container}/{BlobName}";
}
