namespace Serverless.Trainer;

/// <summary>A trainer command: a one-line description and its handler.</summary>
internal sealed record Command(string Description, Func<string[], CancellationToken, Task<int>> RunAsync);

/// <summary>Dispatches the command line to a command; Ctrl-C cancels it.</summary>
internal static class Commands
{
    public static async Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, Command> commands)
    {
        if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
        {
            await Console.Error.WriteLineAsync(
                (args.Length == 0 ? "No command given." : $"Unknown command '{args[0]}'.") + " Usage: Serverless.Trainer <command> [options]\n" +
                string.Join('\n', commands.Select(c => $"  {c.Key,-12} {c.Value.Description}")));
            return 2;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        try
        {
            return await command.RunAsync(args[1..], cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Canceled.");
            return 130;
        }
    }
}
