using Serverless.Trainer;

// One line per command: name → handler(arguments after the name, cancellation) → exit code.
return await Commands.RunAsync(args, new Dictionary<string, Command>(StringComparer.OrdinalIgnoreCase)
{
    ["quickstart"] = new("Publish the quick-start models (minilm, spam) unless they exist.", QuickStartCommand.RunAsync),
    ["run"] = new("Run a training job: --run-id <id> (job from blob storage) or --job <job.json> --work <folder>.", RunCommand.RunAsync),
    ["quality"] = new("Fine-tuning quality benchmark (SpamAssassin, Fine Food) against head-only training; takes long on a CPU.", QualityCommand.RunAsync),
});
