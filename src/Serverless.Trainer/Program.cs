using Serverless.Trainer;

// One line per command: name → handler(arguments after the name, cancellation) → exit code.
return await Commands.RunAsync(args, new Dictionary<string, Command>(StringComparer.OrdinalIgnoreCase)
{
    ["quickstart"] = new("Publish the quick-start models (minilm, spam) unless they exist.", QuickStartCommand.RunAsync),
});
