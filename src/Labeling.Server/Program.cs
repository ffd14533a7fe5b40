using Labeling.Adapters.Local;
using Labeling.Adapters.Local.Auth;
using Labeling.Adapters.Local.Hosting;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application;
using Labeling.Application.Http;
using Labeling.Server;
using Microsoft.Extensions.Options;

// `dotnet run --project src/Labeling.Server -- token --role labeler --sub alice` mints a local token.
if (args is ["token", ..])
{
    return TokenCommand.Run(args[1..], Console.Out, Console.Error);
}

// Settings come from the appsettings.json beside the binary, wherever the server is started from; the data folder
// (Storage:DataDirectory, default ./data) is relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, LocalStorageOptions.SwitchMappings);
// Kestrel:Limits from configuration, and a cap on open connections by default (ConnectionLimits says why).
builder.WebHost.ConfigureKestrel((context, kestrel) => ConnectionLimits.Apply(kestrel, context.Configuration));
// The console's usual format with what callers put in a line made printable (Logging:Console:FormatterName may choose another).
builder.Logging.AddConsole(o => o.FormatterName ??= PrintableConsoleFormatter.FormatterName)
    .AddConsoleFormatter<PrintableConsoleFormatter, Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>();
builder.Services.AddLabelingApplication(builder.Configuration);
builder.Services.AddLocalAdapters(builder.Configuration);
builder.Services.AddLocalJwtAuthentication(builder.Configuration);
builder.Services.AddOpenApi(LabelingOpenApi.Configure);

// Before the host starts: a bad setting or a folder in use is one clear line and exit code 1, not a failed host start.
WebApplication app;
try
{
    // Building the app builds the web server, which binds Kestrel:Limits (ConnectionLimits): a value it does not take
    // (-5 connections, a timeout of "abc") aborted the server here with a stack trace (exit 134).
    app = builder.Build();
    // Binds and validates every option registered with ValidateOnStart, naming the setting at fault.
    app.Services.GetService<IStartupValidator>()?.Validate();
    app.Services.GetRequiredService<DataFolderLock>().Take();
    await app.Services.GetRequiredService<SqliteDatabase>().CheckWritableAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
    // The signing key exists from the first start, not from the first request that checks a token.
    _ = app.Services.GetRequiredService<LocalSigningKey>();
    UnknownSettings.Report(app.Configuration, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(UnknownSettings).FullName!));
    TieringDelay.Report(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TieringDelay).FullName!), Environment.GetEnvironmentVariable);
}
catch (Exception ex) when (ex is DataFolderInUseException or OptionsValidationException or InvalidOperationException or AggregateException
    or IOException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync(StartupFailure.Describe(ex));
    return 1;
}

app.UseLabelingRefusalLog();
app.UseLabelingResponseHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseLabelingRateLimit();
app.UseAuthorization();
app.UseLabelingRequestLimits();
// The only routes open without a token (the API's fallback policy needs one everywhere else).
app.MapOpenApi().AllowAnonymous();
app.MapHealthChecks("/health").AllowAnonymous();
app.MapLabelingApi();
try
{
    await app.RunAsync();
}
catch (IOException ex) when (StartupFailure.IsBindFailure(ex))
{
    // The web server could not bind (the port taken, or one the user may not open): exit code 1 and a line that says
    // what to do, not an unhandled exception's abort (exit 134). The host has logged the failed start above it.
    await Console.Error.WriteLineAsync(StartupFailure.Describe(ex));
    return 1;
}

return 0;

/// <summary>The server's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
