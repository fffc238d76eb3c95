using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Options;
using Serverless.Serving;

namespace Serverless.Functions;

/// <summary>
/// Loads the default model's default alias at start-up, so readiness turns 200 and the first request does not pay for
/// the download; retries with growing pauses (up to a minute) while the model is not published, storage is unreachable,
/// or the version fails to load (a corrupt package, a graph that fails its warm-up run: /api/health then names it and
/// why). No failure of a version stops the host; the alias watcher swaps in a good version once the alias moves.
/// </summary>
public sealed partial class DefaultModelPreloader(ServedModels models, IOptions<ServingOptions> serving, ILogger<DefaultModelPreloader> logger)
    : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var (name, alias) = (serving.Value.DefaultModel, serving.Value.DefaultAlias);
        var pause = TimeSpan.FromSeconds(2);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                using var lease = await models.AcquireAsync(name, alias, stoppingToken);
                LogLoaded(logger, lease.Name, lease.Version, lease.Engine.Device);
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever one version does wrong, the host keeps serving everything else (and its health says why).
                LogNotYet(logger, name, alias, attempt, pause.TotalSeconds, e.Message);
            }

            await Task.Delay(pause, stoppingToken);
            pause = TimeSpan.FromSeconds(Math.Min(pause.TotalSeconds * 2, 60));
        }
    }

    [LoggerMessage(1101, LogLevel.Information, "Default model {Model} version {Version} loaded on {Device}")]
    private static partial void LogLoaded(ILogger logger, string model, string version, string device);

    [LoggerMessage(1102, LogLevel.Warning, "Default model {Model} ({Alias}) is not loaded yet (attempt {Attempt}; next in {PauseSeconds} s): {Reason}")]
    private static partial void LogNotYet(ILogger logger, string model, string alias, int attempt, double pauseSeconds, string reason);
}
