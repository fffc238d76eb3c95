using Serverless.LocalHost;

return await LocalHostProgram.RunAsync(ServerlessFunctionApp.Assembly, ServerlessFunctionApp.Configure, args);
