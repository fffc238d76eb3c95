using Serverless.Errors;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>Local package folders the registry writes (staged uploads, cache entries): checked file paths, copies, deletes.</summary>
internal static class PackageFolders
{
    /// <summary>The local path of a package file (<see cref="LocalFolderPath"/>), its folder created.</summary>
    /// <exception cref="InvalidModelPackageException">The path would not be a plain file inside the folder.</exception>
    public static string FilePath(string root, string relativePath)
    {
        string path;
        try
        {
            path = LocalFolderPath.Resolve(root, relativePath);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidModelPackageException($"The package lists an invalid file path: {ex.Message}");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    /// <summary>Copies every file of <paramref name="source"/> into <paramref name="destination"/>, through <see cref="FilePath"/>.</summary>
    public static void Copy(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, FilePath(destination, Path.GetRelativePath(source, file).Replace(Path.DirectorySeparatorChar, '/')));
        }
    }

    /// <summary>Deletes a folder and everything in it, when it exists.</summary>
    public static void Delete(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
