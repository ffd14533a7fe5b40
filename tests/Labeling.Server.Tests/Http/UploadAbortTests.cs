using System.Text;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Domain.Documents;
using Labeling.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Server.Tests.Http;

/// <summary>
/// An upload the client stops waiting for, once the server has the file, is still ingested to the end: cancelled half-way,
/// its items were in the pool with no document record and part of them never weak-labeled until a restart (found by a
/// fault-injection pass with curl --max-time).
/// </summary>
public sealed class UploadAbortTests : IDisposable
{
    private readonly GatedDocuments _gate = new();
    private readonly ServerFactory _server;

    public UploadAbortTests()
    {
        _server = new ServerFactory(
            new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "true" },
            services: services => services.AddSingleton<IDocumentStore>(sp => _gate.Wrap(ActivatorUtilities.CreateInstance<SqliteDocumentStore>(sp))));
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Upload_ClientGivesUpWhileTheFileIsIngested_TheDocumentIsStillIngestedWhole()
    {
        var admin = _server.ClientAs("root", "Admin");
        var csv = Encoding.UTF8.GetBytes("CONTENT,CLASS\n" + string.Concat(Enumerable.Range(0, 500).Select(n => $"comment number {n} about this video,0\n")));
        using var giveUp = new CancellationTokenSource();

        var upload = admin.PostAsync("/api/projects/demo/documents", Api.File("comments.csv", csv), giveUp.Token);
        await _gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await giveUp.CancelAsync();
        await Task.Delay(200); // the abort reaches the request (its RequestAborted token) before the ingest goes on
        _gate.Release();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);

        var document = await Api.WaitForOneDocumentAsync(admin, "demo", "the abandoned upload was never recorded");
        Assert.Equal(("ingested", 500), (document["status"]!.GetValue<string>(), document["itemCount"]!.GetValue<int>()));
        await Api.WaitForWeakLabelingAsync(admin, "demo", 500);
    }

    // Holds the ingest step at its first read of the document records (before it parses the file) until released.
    private sealed class GatedDocuments
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        public IDocumentStore Wrap(IDocumentStore inner) => new Store(inner, this);

        private sealed class Store(IDocumentStore inner, GatedDocuments gate) : IDocumentStore
        {
            public async Task<Document?> GetAsync(string projectId, string documentId, CancellationToken cancellationToken)
            {
                if (gate.Entered.TrySetResult())
                {
                    await gate._release.Task.ConfigureAwait(false);
                }

                return await inner.GetAsync(projectId, documentId, cancellationToken).ConfigureAwait(false);
            }

            public Task<IReadOnlyList<Document>> ListAsync(string projectId, CancellationToken cancellationToken) => inner.ListAsync(projectId, cancellationToken);

            public Task UpsertAsync(Document document, CancellationToken cancellationToken) => inner.UpsertAsync(document, cancellationToken);

            public Task<bool> TryRecordAsync(Document document, CancellationToken cancellationToken) => inner.TryRecordAsync(document, cancellationToken);
        }
    }
}
