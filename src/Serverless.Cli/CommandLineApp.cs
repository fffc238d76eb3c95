using System.CommandLine;
using System.CommandLine.Parsing;

namespace Serverless.Cli;

/// <summary>
/// Runs a System.CommandLine root command with the conventions the trainer and the demo share: <c>--help</c> (on the root
/// and on every command) prints usage and exits 0; a usage error (an unknown command or option, a missing or ill-typed
/// value, a file that does not exist) prints the parser's messages and a pointer to <c>--help</c> on standard error and
/// exits <see cref="UsageError"/>; Ctrl-C cancels the command's token and, once the command has stopped, exits
/// <see cref="Canceled"/>; otherwise the command's own exit code.
/// </summary>
public static class CommandLineApp
{
    /// <summary>Exit code of a command line that does not parse.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code of a command stopped with Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int Canceled = 130;

    /// <summary>Runs <paramref name="root"/> on the console; Ctrl-C cancels the command.</summary>
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
        {
            // The command winds down through its token (a training run leaves its checkpoint) instead of being killed.
            e.Cancel = true;
            cancellation.Cancel();
        }

        Console.CancelKeyPress += OnCancelKeyPress;
        try
        {
            return await InvokeAsync(root, args, Console.Out, Console.Error, cancellation.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
        }
    }

    /// <summary>Parses <paramref name="args"/> and runs the chosen command, writing to the given writers.</summary>
    /// <param name="root">The executable's commands.</param>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="output">Standard output: help and the commands' results.</param>
    /// <param name="error">Standard error: usage errors and failures.</param>
    /// <param name="cancellationToken">Cancels the command; it then exits <see cref="Canceled"/>.</param>
    public static async Task<int> InvokeAsync(RootCommand root, IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(error);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync(Describe(parseError));
            }

            var command = parsed.CommandResult.Command is RootCommand ? "" : parsed.CommandResult.Command.Name + " ";
            await error.WriteLineAsync($"See '{root.Name} {command}--help'.");
            return UsageError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // Cancellation is the caller's token (Ctrl-C above); the library's own signal handling would stop waiting for
            // the command after two seconds and report SIGTERM as a cancellation too.
            ProcessTerminationTimeout = null,
            // A crash must surface as an exception with its stack trace and a non-zero exit, not as a line of red text.
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await parsed.InvokeAsync(configuration, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("Canceled.");
            return Canceled;
        }
    }

    // The parser words some errors about a value alone ("Argument 'tpu' not recognized"); the option's name says which.
    private static string Describe(ParseError parseError)
    {
        var option = parseError.SymbolResult switch
        {
            OptionResult result => result.Option,
            ArgumentResult { Parent: OptionResult result } => result.Option,
            _ => null,
        };
        return option is null || parseError.Message.Contains(option.Name, StringComparison.Ordinal)
            ? parseError.Message
            : $"{option.Name}: {parseError.Message}";
    }
}
