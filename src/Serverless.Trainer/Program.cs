using Serverless.Cli;
using Serverless.Trainer;

return await CommandLineApp.RunAsync(TrainerCommandLine.Create(), args);
