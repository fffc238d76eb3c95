namespace Serverless.Functions.Training.Runners;

/// <summary>
/// One extra environment variable for the trainer container, as a name/value pair so that names holding <c>__</c>
/// (<c>Registry__Container</c>) survive app settings: <c>Training__Runner__ContainerApps__Environment__0__Name</c> and
/// <c>…__0__Value</c>.
/// </summary>
public sealed class TrainerEnvironmentVariable
{
    /// <summary>The variable's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The variable's value.</summary>
    public string Value { get; set; } = "";
}
