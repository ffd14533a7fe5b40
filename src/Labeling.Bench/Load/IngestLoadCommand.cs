using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Labeling.Bench.Live;
using Labeling.Bench.Reporting;
using Labeling.Bench.Terminal;
using Labeling.Domain.Items;

namespace Labeling.Bench.Load;

/// <summary>
/// The <c>ingest-load</c> command: uploads one CSV of <c>--items</c> one-line items to a new project
/// and times, from the start of the upload, until the upload is answered, until every item exists
/// (progress counts them) and until every item has left weak-labeling and waits in the crowd pool.
/// </summary>
internal static class IngestLoadCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>Builds the command.</summary>
    public static Command Create(BenchConsole console)
    {
        var server = LiveOptions.Server();
        var tokenData = LiveOptions.TokenData();
        tokenData.Required = true;
        var items = new Option<int>("--items") { Description = "One-line items in the uploaded CSV.", DefaultValueFactory = _ => 10_000 };
        var command = new Command("ingest-load", "Time from upload start until all items of one CSV exist on the live server.")
        {
            server, tokenData, items,
        };
        command.SetAction((parse, ct) => RunAsync(ServerAddress.Parse(parse.GetRequiredValue(server)), parse.GetRequiredValue(tokenData), parse.GetValue(items), console, ct));
        return command;
    }

    /// <summary>Uploads, polls progress every 20 ms, prints the figures.</summary>
    public static async Task<int> RunAsync(Uri server, string tokenData, int items, BenchConsole console, CancellationToken ct)
    {
        if (items < 1) throw new UsageException($"--items must be at least 1 (got {items}).");
        var tokens = TokenMint.Create(tokenData, null, null);
        using var api = new LabelingApiClient(server);
        var admin = tokens.Admin();
        var project = await LoadProject.CreateAsync(api, admin, "ingest-load", ct).ConfigureAwait(false);
        var document = LoadProject.Document(project, items);

        var clock = Stopwatch.StartNew();
        await api.UploadAsync(admin, project, "items.csv", document, ct).ConfigureAwait(false);
        var answered = clock.Elapsed.TotalSeconds;
        double? exist = null;
        while (true)
        {
            var progress = await api.ProgressAsync(admin, project, ct).ConfigureAwait(false);
            if (exist is null && progress.Items >= items) exist = clock.Elapsed.TotalSeconds;
            if (exist is not null && progress.ByState.GetValueOrDefault(ItemState.WeakLabeling) == 0) break;
            if (clock.Elapsed > Timeout)
                throw new TimeoutException($"Project '{project}' has {progress.Items} of {items} items after {Timeout.TotalMinutes:0} minutes.");
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
        var pooled = clock.Elapsed.TotalSeconds;

        new FigureList()
            .Add("items", Figures.Count(items))
            .Add("document", Figures.Mebibytes(document.Length))
            .Add("upload answered", Seconds(answered))
            .Add("all items exist", Seconds(exist.Value))
            .Add("all items in pool", Seconds(pooled))
            .Add("items/second", Figures.Count((long)(items / exist.Value)))
            .WriteTo(console.Out);
        return ExitCodes.Success;
    }

    private static string Seconds(double seconds) => seconds.ToString("F3", CultureInfo.InvariantCulture) + " s";
}
