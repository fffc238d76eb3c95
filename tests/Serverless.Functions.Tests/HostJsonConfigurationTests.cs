using Microsoft.Extensions.Configuration;
using Serverless.Functions.Queues;

namespace Serverless.Functions.Tests;

public sealed class HostJsonConfigurationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hostjson-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Read_FileWithAnOverride_TheAppSettingWins()
    {
        File.WriteAllText(Path.Combine(_root, HostJsonConfiguration.FileName),
            """{ "version": "2.0", /* comments are allowed */ "extensions": { "queues": { "maxDequeueCount": 3, "batchSize": 8 } } }""");
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "7",
        }).Build();

        var hostJson = HostJsonConfiguration.Read(_root, settings);

        Assert.Equal(7, hostJson.GetValue<int?>(QueueRetryOptions.HostJsonKey));
        Assert.Equal("8", hostJson["extensions:queues:batchSize"]);
        Assert.Equal(3, HostJsonConfiguration.Read(_root, new ConfigurationBuilder().Build()).GetValue<int?>(QueueRetryOptions.HostJsonKey));
    }

    [Fact]
    public void Read_NoFile_HasOnlyTheOverrides()
    {
        var hostJson = HostJsonConfiguration.Read(_root, new ConfigurationBuilder().Build());

        Assert.Null(hostJson.GetValue<int?>(QueueRetryOptions.HostJsonKey));
    }

    [Fact]
    public void Read_FileThatIsNotJson_SaysWhichFile()
    {
        var path = Path.Combine(_root, HostJsonConfiguration.FileName);
        File.WriteAllText(path, "{ not json");

        var error = Assert.Throws<InvalidOperationException>(() => HostJsonConfiguration.Read(_root, new ConfigurationBuilder().Build()));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
