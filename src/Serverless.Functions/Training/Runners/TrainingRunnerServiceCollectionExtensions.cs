using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Registry;
using Serverless.Training;

namespace Serverless.Functions.Training.Runners;

/// <summary>Registers the trainer runner chosen by <c>Training:Runner:Kind</c>.</summary>
internal static class TrainingRunnerServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="TrainingRunnerOptions"/> (section <c>Training:Runner</c>, validated at start) and registers the
    /// chosen runner as the singleton <see cref="ITrainingRunner"/>: <see cref="LocalTrainingRunner"/> on the models storage of
    /// <see cref="ServerlessStorage"/>, or
    /// <see cref="ContainerAppsTrainingRunner"/>, with a <see cref="TokenCredential"/> from the container when one is
    /// registered, else <see cref="DefaultAzureCredential"/> with the function app identity's client id. A second call
    /// does nothing.
    /// </summary>
    internal static IServiceCollection AddTrainingRunner(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(TrainingRunnerOptionsValidator)))
        {
            return services;
        }

        services.AddServerlessStorage(configuration);
        services.AddSingleton<TrainingRunnerOptionsValidator>();
        services.AddSingleton<IValidateOptions<TrainingRunnerOptions>>(sp => sp.GetRequiredService<TrainingRunnerOptionsValidator>());
        services.AddOptions<TrainingRunnerOptions>()
            .Bind(configuration.GetSection(TrainingRunnerOptions.Section))
            .Configure(options => options.ContainerApps.ManagedIdentityClientId ??= configuration["AZURE_CLIENT_ID"])
            .ValidateOnStart();
        services.AddHttpClient(ContainerAppsTrainingRunner.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
        services.TryAddSingleton<ITrainingRunner>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<TrainingRunnerOptions>>().Value;
            return options.Kind switch
            {
                TrainingRunnerKind.ContainerApps => new ContainerAppsTrainingRunner(
                    options.ContainerApps,
                    sp.GetRequiredService<IHttpClientFactory>(),
                    sp.GetService<TokenCredential>() ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions
                    {
                        ManagedIdentityClientId = options.ContainerApps.ManagedIdentityClientId,
                    }),
                    sp.GetRequiredService<ILogger<ContainerAppsTrainingRunner>>()),
                _ => new LocalTrainingRunner(
                    options.Local,
                    sp.GetRequiredService<ServerlessStorage>().Models.GetBlobContainerClient(TrainingStorage.Container),
                    TrainerEnvironment.FromConfiguration(configuration),
                    sp.GetRequiredService<ILogger<LocalTrainingRunner>>()),
            };
        });
        return services;
    }
}
