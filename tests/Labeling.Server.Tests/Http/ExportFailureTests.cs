using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Domain.Votes;
using Labeling.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Server.Tests.Http;

/// <summary>An export whose store fails before its first row is answered with problem details, in both formats.</summary>
public sealed class ExportFailureTests : IDisposable
{
    private const string Project = "export-busy";
    private FailingExportStore? _store;
    private readonly ServerFactory _server;

    public ExportFailureTests()
    {
        _server = new ServerFactory(
            new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" },
            services: services =>
            {
                services.AddSingleton<SqliteItemStore>();
                services.AddSingleton<IItemStore>(sp => _store = new FailingExportStore(sp.GetRequiredService<SqliteItemStore>()));
            });
    }

    public void Dispose() => _server.Dispose();

    // README: a store that is busy is a 503 with Retry-After and problem details. The export made its writer (and wrote the
    // CSV header) before reading the first page; disposed as the failure unwound, the writer flushed the response body, so
    // the answer had started (200, with the header line in CSV) and the exception handler could not answer: the client's
    // download broke off, in both formats.
    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task Export_StoreBusyBeforeTheFirstRow_Is503ProblemWithRetryAfter(string format)
    {
        var admin = _server.ClientAs("root", "Admin");
        await (await admin.PostAsJsonAsync("/api/projects", new
        {
            id = Project,
            labels = new[] { new { name = "spam", description = "promotion" }, new { name = "ham", description = "real comment" } },
        })).ExpectAsync(HttpStatusCode.Created);
        _store!.FailReads = true;

        HttpResponseMessage response;
        try
        {
            response = await admin.GetAsync($"/api/projects/{Project}/export?format={format}");
        }
        catch (HttpRequestException ex)
        {
            Assert.Fail($"The export broke off instead of answering 503: {ex.Message}");
            throw;
        }

        await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Null(response.Content.Headers.ContentDisposition);
    }

    /// <summary>The real store, but for the labeled-item read of an export, which fails as a locked database does.</summary>
    private sealed class FailingExportStore(IItemStore inner) : IItemStore
    {
        public volatile bool FailReads;

        public async IAsyncEnumerable<Item> ReadLabeledAsync(string projectId, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            if (FailReads)
            {
                throw new Microsoft.Data.Sqlite.SqliteException("SQLite Error 5: 'database is locked'.", 5);
            }

            await foreach (var item in inner.ReadLabeledAsync(projectId, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }

        public Task<Item?> GetAsync(string projectId, string itemId, CancellationToken cancellationToken) => inner.GetAsync(projectId, itemId, cancellationToken);

        public Task<IReadOnlyList<string>> AddNewAsync(IReadOnlyList<Item> items, CancellationToken cancellationToken) => inner.AddNewAsync(items, cancellationToken);

        public Task<int> CountFromDocumentAsync(string projectId, string documentId, CancellationToken cancellationToken) =>
            inner.CountFromDocumentAsync(projectId, documentId, cancellationToken);

        public Task<IReadOnlyList<Item>> ListAsync(string projectId, ItemState? state, string? afterId, int limit, CancellationToken cancellationToken) =>
            inner.ListAsync(projectId, state, afterId, limit, cancellationToken);

        public Task<IReadOnlyList<Vote>> GetVotesAsync(string projectId, string itemId, CancellationToken cancellationToken) => inner.GetVotesAsync(projectId, itemId, cancellationToken);

        public Task<ProjectCounts> CountAsync(string projectId, CancellationToken cancellationToken) => inner.CountAsync(projectId, cancellationToken);

        public Task<bool> AnyInStateAsync(string projectId, ItemState state, CancellationToken cancellationToken) => inner.AnyInStateAsync(projectId, state, cancellationToken);

        public Task<long> CountCrowdVotesAsync(string projectId, CancellationToken cancellationToken) => inner.CountCrowdVotesAsync(projectId, cancellationToken);

        public Task<LabelerVotes> CountVotesByAsync(string projectId, string labelerId, CancellationToken cancellationToken) =>
            inner.CountVotesByAsync(projectId, labelerId, cancellationToken);

        public IAsyncEnumerable<Item> ReadInStateAsync(string projectId, ItemState state, CancellationToken cancellationToken) =>
            inner.ReadInStateAsync(projectId, state, cancellationToken);

        public Task CommitAsync(ItemCommit commit, CancellationToken cancellationToken) => inner.CommitAsync(commit, cancellationToken);
    }
}
