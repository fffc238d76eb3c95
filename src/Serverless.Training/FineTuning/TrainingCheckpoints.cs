using System.Text.Json;

using Serverless.Packages;

using TorchSharp.Modules;

namespace Serverless.Training.FineTuning;

/// <summary>
/// Checkpoints of one run in a local folder: each checkpoint is a folder (weights, optimizer state) named by its step,
/// the best epoch's weights are a file of their own, and latest.json — written last, atomically — says which ones are
/// current together with the data order, epoch, step, history and early-stopping state. A crash mid-write leaves the
/// previous checkpoint intact. Random state needs no file: every step seeds torch from (seed, step).
/// </summary>
public sealed class TrainingCheckpoints
{
    /// <summary>The file naming the current checkpoint; written last.</summary>
    public const string LatestFile = "latest.json";

    private const string ModelFile = "model.bin";
    private const string OptimizerFile = "optimizer.bin";

    /// <summary>
    /// Uses (and creates) <paramref name="directory"/>; <paramref name="name"/> is its path below the run's checkpoint
    /// folder (e.g. "trial-2"), so several trainings of one run keep their checkpoints apart in storage too.
    /// </summary>
    public TrainingCheckpoints(string directory, string? name = null)
    {
        Directory = directory;
        Name = name;
        System.IO.Directory.CreateDirectory(directory);
    }

    /// <summary>The local folder holding the checkpoints.</summary>
    public string Directory { get; }

    /// <summary>The folder's path below the run's checkpoint folder (forward slashes), or null for that folder itself.</summary>
    public string? Name { get; }

    /// <summary>Every file path (relative, forward slashes) the current checkpoint consists of, latest.json last.</summary>
    public IReadOnlyList<string> CurrentFiles()
    {
        var state = ReadState();
        if (state is null)
        {
            return [];
        }

        return [$"{state.Folder}/{ModelFile}", $"{state.Folder}/{OptimizerFile}", .. state.BestWeights is null ? Array.Empty<string>() : [state.BestWeights], LatestFile];
    }

    internal CheckpointState? ReadState()
    {
        var path = Path.Combine(Directory, LatestFile);
        if (!File.Exists(path))
        {
            return null;
        }

        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(path), TrainingJob.JsonOptions);
        if (state is null)
        {
            return null;
        }

        // latest.json may have come from storage: the names it gives must stay inside the folder.
        if (state.BestWeights is not null)
        {
            PathOf(state.BestWeights);
        }

        return File.Exists(PathOf($"{state.Folder}/{ModelFile}")) ? state : null;
    }

    internal void Save(CheckpointState state, BertClassifier model, OptimizerHelper optimizer)
    {
        var folder = PathOf(state.Folder);
        System.IO.Directory.CreateDirectory(folder);
        model.save(Path.Combine(folder, ModelFile));
        using (var stream = File.Create(Path.Combine(folder, OptimizerFile)))
        using (var writer = new BinaryWriter(stream))
        {
            optimizer.save_state_dict(writer);
        }

        var temporary = Path.Combine(Directory, LatestFile + ".tmp");
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, TrainingJob.JsonOptions));
        File.Move(temporary, Path.Combine(Directory, LatestFile), overwrite: true);
        RemoveAllBut(state);
    }

    internal void SaveBestWeights(string name, BertClassifier model) => model.save(PathOf(name));

    internal void LoadBestWeights(string name, BertClassifier model) => model.load(PathOf(name));

    internal void Load(CheckpointState state, BertClassifier model, OptimizerHelper optimizer)
    {
        model.load(PathOf($"{state.Folder}/{ModelFile}"));
        using var stream = File.OpenRead(PathOf($"{state.Folder}/{OptimizerFile}"));
        using var reader = new BinaryReader(stream);
        optimizer.load_state_dict(reader);
    }

    /// <exception cref="InvalidDataException">The name would leave the folder.</exception>
    private string PathOf(string relativePath) => LocalFolderPath.Resolve(Directory, relativePath);

    private void RemoveAllBut(CheckpointState state)
    {
        foreach (var folder in System.IO.Directory.EnumerateDirectories(Directory))
        {
            if (Path.GetFileName(folder) != state.Folder)
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "best-*.bin"))
        {
            if (Path.GetFileName(file) != state.BestWeights)
            {
                File.Delete(file);
            }
        }
    }
}
