using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Labeling.Application.Projects;
using Labeling.Bench.Live;
using Labeling.Bench.Reporting;
using Labeling.Bench.Terminal;
using Labeling.Domain.Items;

namespace Labeling.Bench.Load;

/// <summary>
/// The <c>ingest-load</c> command: uploads one CSV of <c>--items</c> one-line items to a new project
/// and times, from the start of the upload, until the upload is answered, until every item exists
/// (progress counts them) and until every item has left weak-labeling and waits in the crowd pool.
/// With <c>--beside</c>, a second project's CSV of that many items is uploaded as soon as the first
/// upload is answered, and the time until its items are in the pool is printed too: how long another
/// project's work waits behind a large file's weak labeling.
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
        var beside = new Option<int>("--beside")
        {
            Description = "Also upload a second project's CSV of this many items once the first upload is answered, and time until they are in the pool.",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("ingest-load", "Time from upload start until all items of one CSV exist on the live server.")
        {
            server, tokenData, items, beside,
        };
        command.SetAction((parse, ct) => RunAsync(
            ServerAddress.Parse(parse.GetRequiredValue(server)), parse.GetRequiredValue(tokenData), parse.GetValue(items), parse.GetValue(beside), console, ct));
        return command;
    }

    /// <summary>Uploads, polls progress every 20 ms, prints the figures.</summary>
    public static async Task<int> RunAsync(Uri server, string tokenData, int items, int beside, BenchConsole console, CancellationToken ct)
    {
        if (items < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--items must be at least 1 (got {items})."));
        if (beside < 0) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--beside must be 0 (no second project) or more (got {beside})."));
        var tokens = TokenMint.Create(tokenData, null, null);
        using var api = new LabelingApiClient(server);
        var admin = tokens.Admin();
        var project = await LoadProject.CreateAsync(api, admin, "ingest-load", ct).ConfigureAwait(false);
        var document = LoadProject.Document(project, items);
        var second = beside > 0 ? await LoadProject.CreateAsync(api, admin, "ingest-beside", ct).ConfigureAwait(false) : null;

        var clock = Stopwatch.StartNew();
        await api.UploadAsync(admin, project, "items.csv", document, ct).ConfigureAwait(false);
        var answered = clock.Elapsed.TotalSeconds;
        var besideUploaded = 0.0;
        double? besidePooled = null;
        if (second is not null)
        {
            besideUploaded = clock.Elapsed.TotalSeconds;
            await api.UploadAsync(admin, second, "beside.csv", LoadProject.Document(second, beside), ct).ConfigureAwait(false);
        }

        double? exist = null;
        double? pooled = null;
        while (pooled is null || (second is not null && besidePooled is null))
        {
            if (pooled is null)
            {
                var progress = await api.ProgressAsync(admin, project, ct).ConfigureAwait(false);
                if (exist is null && progress.Items >= items) exist = clock.Elapsed.TotalSeconds;
                if (InPool(progress, items)) pooled = clock.Elapsed.TotalSeconds;
                else if (clock.Elapsed > Timeout)
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Project '{project}' has {progress.Items} of {items} items after {Timeout.TotalMinutes:0} minutes."));
            }

            if (second is not null && besidePooled is null)
            {
                if (InPool(await api.ProgressAsync(admin, second, ct).ConfigureAwait(false), beside)) besidePooled = clock.Elapsed.TotalSeconds;
                else if (clock.Elapsed > Timeout)
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Project '{second}' has not all its {beside} items in the pool after {Timeout.TotalMinutes:0} minutes."));
            }
            await Task.Delay(20, ct).ConfigureAwait(false);
        }

        var figures = new FigureList()
            .Add("items", Figures.Count(items))
            .Add("document", Figures.Mebibytes(document.Length))
            .Add("upload answered", Seconds(answered))
            .Add("all items exist", Seconds(exist!.Value))
            .Add("all items in pool", Seconds(pooled!.Value))
            .Add("items/second", Figures.Count((long)(items / exist.Value)));
        if (besidePooled is { } besideAt)
        {
            figures.Add($"second project's {Figures.Count(beside)} items in pool", Seconds(besideAt - besideUploaded) + " after its upload");
        }

        figures.WriteTo(console.Out);
        return ExitCodes.Success;
    }

    // Every item of the upload exists and has left weak labeling.
    private static bool InPool(ProjectProgress progress, int items) =>
        progress.Items >= items && progress.ByState.GetValueOrDefault(ItemState.WeakLabeling) == 0;

    private static string Seconds(double seconds) => seconds.ToString("F3", CultureInfo.InvariantCulture) + " s";
}
