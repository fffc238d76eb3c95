using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

using Serverless.Registry;
using Serverless.Training.HeadOnly;

namespace Serverless.Training;

/// <summary>Composition of the training layer.</summary>
public static class TrainingServiceCollectionExtensions
{
    /// <summary>Adds the model registry and head-only training.</summary>
    public static IServiceCollection AddServerlessTraining(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServerlessRegistry(configuration);
        services.AddSingleton<HeadOnlyTrainer>();
        return services;
    }
}
