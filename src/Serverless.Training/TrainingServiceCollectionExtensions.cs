using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

using Serverless.Registry;
using Serverless.Training.HeadOnly;
using Serverless.Training.QuickStart;

namespace Serverless.Training;

/// <summary>Composition of the training layer.</summary>
public static class TrainingServiceCollectionExtensions
{
    /// <summary>Adds the model registry, head-only training and the quick start.</summary>
    public static IServiceCollection AddServerlessTraining(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServerlessRegistry(configuration);
        services.AddSingleton<HeadOnlyTrainer>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<QuickStartBuilder>(sp));
        return services;
    }
}
