using System.Reflection;
using Serverless.LocalHost;

return await LocalHostProgram.RunAsync(Assembly.Load("Serverless.Functions"), (_, _) => { }, args);
