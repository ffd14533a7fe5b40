using Labeling.Adapters.Local;
using Labeling.Adapters.Local.Hosting;
using Labeling.Application;
using Labeling.Application.Http;
using Labeling.Server;

// `dotnet run --project src/Labeling.Server -- token --role labeler --sub alice` mints a local token.
if (args is ["token", ..])
{
    return TokenCommand.Run(args[1..], Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, LocalStorageOptions.SwitchMappings);
builder.Services.AddLabelingApplication(builder.Configuration);
builder.Services.AddLocalAdapters(builder.Configuration);
builder.Services.AddLocalJwtAuthentication(builder.Configuration);
// No "servers" entry: ASP.NET Core would fill it from the request's Host header, which the caller chooses.
builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
{
    document.Servers?.Clear();
    return Task.CompletedTask;
}));

var app = builder.Build();

// Before the host starts: a folder in use is one clear line and exit code 1, not a failed host start.
try
{
    app.Services.GetRequiredService<DataFolderLock>().Take();
}
catch (DataFolderInUseException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

app.UseLabelingRefusalLog();
app.UseLabelingResponseHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseLabelingRequestLimits();
app.MapOpenApi();
app.MapHealthChecks("/health");
app.MapLabelingApi();
await app.RunAsync();
return 0;

/// <summary>The server's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
