using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Functions;
using Serverless.Functions.Http;

var host = new HostBuilder()
    .ConfigureFunctionsWebApplication(worker => worker.UseMiddleware<ProblemDetailsMiddleware>())
    .ConfigureServices((context, services) => services.AddServerlessFunctions(context.Configuration))
    .Build();

await host.RunAsync();
