using Serverless.Benchmarks;

// Usage: dotnet run -c Release --project tests/Serverless.Benchmarks -- engine [reviews.csv] | layouts [reviews.csv] | int8-accuracy [reviews.csv] | fusions [reviews.csv] | load [url] [seconds] [clients] [queue rate] | serving [url] [--pid N] [--texts N]
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return args switch
{
    ["engine", .. var rest] => await EngineBenchmark.RunAsync(rest.FirstOrDefault() ?? ReviewsCsv.DefaultPath(), cancellation.Token),
    ["layouts", .. var rest] => await EngineBenchmark.RunLayoutsAsync(rest.FirstOrDefault() ?? ReviewsCsv.DefaultPath(), cancellation.Token),
    ["int8-accuracy", .. var rest] => await EngineBenchmark.RunInt8AccuracyAsync(rest.FirstOrDefault() ?? ReviewsCsv.DefaultPath(), cancellation.Token),
    ["fusions", .. var rest] => await EngineBenchmark.RunFusionsAsync(rest.FirstOrDefault() ?? ReviewsCsv.DefaultPath()),
    ["load", .. var rest] => await LoadBenchmark.RunAsync(rest, cancellation.Token),
    ["serving", .. var rest] => await ServingBenchmark.RunAsync(rest, cancellation.Token),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Usage: Serverless.Benchmarks engine [path to fine_foods_testing_data.csv]");
    Console.Error.WriteLine("       Serverless.Benchmarks layouts [path to fine_foods_testing_data.csv]   (padded against unpadded graph, batch by batch)");
    Console.Error.WriteLine("       Serverless.Benchmarks int8-accuracy [path to fine_foods_testing_data.csv]   (accuracy int8 keeps against fp32, alone)");
    Console.Error.WriteLine("       Serverless.Benchmarks fusions [path to fine_foods_testing_data.csv]   (what ONNX Runtime fuses in each graph, and its speed)");
    Console.Error.WriteLine("       Serverless.Benchmarks load [url (http://localhost:7071)] [seconds (60)] [clients (32)] [queue messages per second (20)]");
    Console.Error.WriteLine("       Serverless.Benchmarks serving [url (http://localhost:7071)] [--pid app process (default: the one listening on the port)] [--texts first N reviews (1000)]");
    Console.Error.WriteLine("         load and serving run against a running ./run.sh; AzureWebJobsStorage names its storage (default: the local Azurite)");
    return 2;
}
