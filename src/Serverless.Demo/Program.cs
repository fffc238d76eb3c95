using Serverless.Cli;
using Serverless.Demo;

return await CommandLineApp.RunAsync(DemoCommandLine.Create(), args);
