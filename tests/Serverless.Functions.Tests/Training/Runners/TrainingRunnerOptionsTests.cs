using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serverless.Functions.Training.Runners;

namespace Serverless.Functions.Tests.Training.Runners;

public sealed class TrainingRunnerOptionsTests
{
    [Fact]
    public void AddTrainingRunner_NoSettings_ChoosesLocalAndAsksForTheTrainerPath()
    {
        using var services = Services(new Dictionary<string, string?>());

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TrainingRunnerOptions>>().Value);

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

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddLogging()
            .AddSingleton(new BlobServiceClient("UseDevelopmentStorage=true"))
            .AddTrainingRunner(configuration)
            .BuildServiceProvider();
    }
}
