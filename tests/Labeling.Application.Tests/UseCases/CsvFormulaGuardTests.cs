using Labeling.Domain.Projects;
using Labeling.Domain.Routing;

namespace Labeling.Application.Tests.UseCases;

/// <summary>The CSV export's guard against spreadsheet formulas, in every column that can carry a label name.</summary>
public sealed class CsvFormulaGuardTests : IDisposable
{
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    // README: "in CSV a text, id or label a spreadsheet would run as a formula ... starts with ', and so does any part of
    // it after a ';'". The label column was guarded; the posterior column carried the same label names unguarded (a review).
    [Fact]
    public async Task Csv_PosteriorColumn_LabelWithAFormulaAfterASemicolon_IsNeutralisedLikeTheLabelColumn()
    {
        const string evil = "ham;=ABS(-7);x";
        var project = LabelingHarness.SpamProject(new RoutingSettings { AcceptTarget = 0.6, AutoAcceptUntrusted = true });
        project = project with { Schema = new LabelSchema(TaskKind.SingleLabel, [new("spam", "promotion"), new(evil, "real")], "Is it spam?") };
        Assert.Empty(project.Schema.Validate());
        await _harness.CreateProjectAsync(project);
        await _harness.IngestAsync("spam", "a.csv", "text\nplease subscribe\n");
        await _harness.DrainQueueAsync();
        using var csv = new MemoryStream();

        await _harness.Get<Export.LabelExport>().WriteAsync("spam", Export.ExportFormat.Csv, csv, CancellationToken.None);

        var row = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
        // What a ';'-separated spreadsheet makes of the line: every part that begins with a formula character.
        var formulas = row.Split(';').Skip(1).Where(p => p.TrimStart('"', ' ').StartsWith('=')).ToArray();
        Assert.True(formulas.Length == 0, $"row: {row}");
    }
}
