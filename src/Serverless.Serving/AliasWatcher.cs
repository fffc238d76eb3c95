using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Options;

namespace Serverless.Serving;

/// <summary>
/// Runs <see cref="ServedModels.RefreshAliasesAsync"/> every <see cref="RegistryOptions.AliasPollInterval"/>, so served
/// aliases are hot-swapped when aliases.json changes. It watches only aliases some request (or a preloader) asked for.
/// </summary>
internal sealed class AliasWatcher(ServedModels served, IOptions<RegistryOptions> options, ILogger<AliasWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AliasPollInterval);
        do
        {
            try
            {
                await served.RefreshAliasesAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.WatcherRoundFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
