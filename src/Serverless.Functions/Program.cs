using Microsoft.Extensions.Hosting;
using Serverless.Functions;

var host = new HostBuilder()
    .ConfigureFunctionsWebApplication(worker => worker.UseServerlessFunctions())
    .ConfigureServices((context, services) => services.AddServerlessFunctions(context.Configuration))
    .Build();

await host.RunAsync();
