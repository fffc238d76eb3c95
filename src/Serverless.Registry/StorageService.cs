namespace Serverless.Registry;

/// <summary>The storage services a connection can reach.</summary>
internal enum StorageService
{
    /// <summary>Blob storage.</summary>
    Blob,

    /// <summary>Queue storage.</summary>
    Queue,
}
