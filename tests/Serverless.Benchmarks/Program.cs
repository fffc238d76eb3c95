using Serverless.Benchmarks;

// Usage: dotnet run -c Release --project tests/Serverless.Benchmarks -- engine [reviews.csv]
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return args switch
{
    ["engine", .. var rest] => await EngineBenchmark.RunAsync(rest.FirstOrDefault() ?? ReviewsCsv.DefaultPath(), cancellation.Token),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Usage: Serverless.Benchmarks engine [path to fine_foods_testing_data.csv]");
    return 2;
}
