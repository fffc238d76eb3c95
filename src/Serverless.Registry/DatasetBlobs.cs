using Azure;
using Azure.Storage.Blobs;
using Serverless.Training.Data;

namespace Serverless.Registry;

/// <summary>Datasets in blob storage, named <c>container/path</c> (JSONL or CSV): the one reader the function app and the trainer share.</summary>
public static class DatasetBlobs
{
    /// <summary>True when the dataset blob exists.</summary>
    /// <exception cref="DatasetException">The location is not "container/path" or names an unknown format.</exception>
    public static async Task<bool> ExistsAsync(BlobServiceClient blobs, string location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        var dataset = DatasetLocation.Parse(location);
        DatasetLoader.FormatOf(dataset.BlobName);
        try
        {
            return await blobs.GetBlobContainerClient(dataset.Container).GetBlobClient(dataset.BlobName).ExistsAsync(cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Reads and parses a whole dataset.</summary>
    /// <exception cref="DatasetException">It does not exist or is not a valid dataset.</exception>
    public static async Task<LabelledDataset> ReadAsync(BlobServiceClient blobs, string location, DatasetFields fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        var dataset = DatasetLocation.Parse(location);
        try
        {
            var content = await blobs.GetBlobContainerClient(dataset.Container).GetBlobClient(dataset.BlobName).DownloadContentAsync(cancellationToken);
            return DatasetLoader.Parse(content.Value.Content.ToMemory().Span, location, DatasetLoader.FormatOf(dataset.BlobName), fields);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new DatasetException($"{location}: the dataset blob does not exist. Upload it first or check the name.");
        }
    }
}
