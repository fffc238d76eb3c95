using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serverless.Functions.Training;
using Serverless.Functions.Training.Runners;
using Serverless.Testing;

namespace Serverless.Functions.Tests.Training.Runners;

public sealed class TrainingRunnerOptionsTests
{
    [Fact]
    public async Task AddTrainingRunner_NoSettings_ChoosesLocalAndARunAsksForTheTrainerPath()
    {
        await using var services = Services([]);

        var runner = Assert.IsType<LocalTrainingRunner>(services.GetRequiredService<ITrainingRunner>());
        var error = await Assert.ThrowsAsync<TrainingRunException>(() => runner.StartAsync("run-1", CancellationToken.None));

        Assert.Contains("Training__Runner__Local__TrainerPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddTrainingRunner_LocalWithTrainerPath_RegistersTheLocalRunnerWithItsArguments()
    {
        await using var services = Services(new Dictionary<string, string?>
        {
            ["Training:Runner:Local:TrainerPath"] = "/opt/trainer/Serverless.Trainer.dll",
            ["Training:Runner:Local:Arguments:0"] = "--device",
            ["Training:Runner:Local:Arguments:1"] = "cpu",
        });

        var options = services.GetRequiredService<IOptions<TrainingRunnerOptions>>().Value;

        Assert.Equal(TrainingRunnerKind.Local, options.Kind);
        Assert.Equal(["--device", "cpu"], options.Local.Arguments);
        Assert.IsType<LocalTrainingRunner>(services.GetRequiredService<ITrainingRunner>());
    }

    [Fact]
    public void AddTrainingRunner_ContainerAppsWithoutItsSettings_NamesEverySettingToSet()
    {
        using var services = Services(new Dictionary<string, string?> { ["Training:Runner:Kind"] = "containerapps" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TrainingRunnerOptions>>().Value);

        foreach (var setting in new[] { "SubscriptionId", "ResourceGroup", "JobName", "Image", "TrainerClientId", "StorageAccountName" })
        {
            Assert.Contains($"Training__Runner__ContainerApps__{setting}", error.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("TrainerPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddTrainingRunner_ContainerAppsFromAppSettings_RegistersTheContainerAppsRunner()
    {
        await using var services = Services(new Dictionary<string, string?>
        {
            ["Training:Runner:Kind"] = "containerapps",
            ["Training:Runner:ContainerApps:SubscriptionId"] = "sub",
            ["Training:Runner:ContainerApps:ResourceGroup"] = "rg",
            ["Training:Runner:ContainerApps:JobName"] = "caj-trainer",
            ["Training:Runner:ContainerApps:Image"] = "cr.azurecr.io/trainer:1",
            ["Training:Runner:ContainerApps:TrainerClientId"] = "trainer-id",
            ["Training:Runner:ContainerApps:StorageAccountName"] = "st",
            ["Training:Runner:ContainerApps:Environment:0:Name"] = "Registry__Container",
            ["Training:Runner:ContainerApps:Environment:0:Value"] = "models",
            ["AZURE_CLIENT_ID"] = "function-app-id",
        });

        var options = services.GetRequiredService<IOptions<TrainingRunnerOptions>>().Value.ContainerApps;

        Assert.Equal("function-app-id", options.ManagedIdentityClientId);
        Assert.Equal("Registry__Container", Assert.Single(options.Environment).Name);
        Assert.Contains(TrainerEnvironment.For(options), v => v.Key == "Registry__Container" && v.Value == "models");
        Assert.IsType<ContainerAppsTrainingRunner>(services.GetRequiredService<ITrainingRunner>());
    }

    [Fact]
    public void AddTrainingRunner_CalledTwice_RegistersOnce()
    {
        var configuration = new ConfigurationBuilder().Build();
        var services = new ServiceCollection();

        services.AddTrainingRunner(configuration).AddTrainingRunner(configuration);

        Assert.Single(services, d => d.ServiceType == typeof(ITrainingRunner));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<TrainingRunnerOptions>));
    }

    [Fact]
    public void FromConfiguration_PassesOnTheStorageSettingsInEnvironmentForm()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["AzureWebJobsStorage:clientId"] = "id-1",
            ["Registry:Container"] = "models",
            ["Registry:ServiceUri"] = "",
            ["Training:DefaultBase"] = "minilm@2",
            ["Serving:Device"] = "cuda",
        }).Build();

        var environment = TrainerEnvironment.FromConfiguration(configuration);

        Assert.Equal(new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["AzureWebJobsStorage__clientId"] = "id-1",
            ["Registry__Container"] = "models",
            ["Training__DefaultBase"] = "minilm@2",
        }, environment);
    }

    [Fact]
    public void LocalSettingsSample_BindsValidatesAndPointsAtTheBuiltTrainer()
    {
        var values = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.sample.json")))!["Values"]!
            .AsObject().ToDictionary(v => v.Key.Replace("__", ":", StringComparison.Ordinal), v => (string?)v.Value!.GetValue<string>());
        using var services = Services(values);

        var options = services.GetRequiredService<IOptions<TrainingRunnerOptions>>().Value;

        Assert.Equal(TrainingRunnerKind.Local, options.Kind);
        Assert.Equal(["--device", "auto"], options.Local.Arguments);
        // Relative to the host's own folder: the function app's and the local host's outputs sit at the same depth.
        var functionsOutput = Path.Combine(RepositoryRoot.Path, "src", "Serverless.Functions", "bin", "Release", "net10.0", "linux-x64");
        Assert.Equal(
            Path.Combine(RepositoryRoot.Path, "src", "Serverless.Trainer", "bin", "Release", "net10.0", "linux-x64", "Serverless.Trainer.dll"),
            Path.GetFullPath(options.Local.TrainerPath!, functionsOutput));
        Assert.Null(options.ContainerApps.BlobServiceUri);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        settings.TryAdd("AzureWebJobsStorage", "UseDevelopmentStorage=true");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddLogging()
            .AddTrainingRunner(configuration)
            .BuildServiceProvider();
    }
}
