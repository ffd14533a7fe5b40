using Labeling.Application.Ports;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>The store ports of one backend, fresh for one test.</summary>
/// <param name="Outbox">The event outbox, delivering to <see cref="StoreContract.Webhook"/> and <see cref="StoreContract.Jsonl"/>.</param>
/// <param name="Reopen">New stores on the same data, as a restarted process opens them (nothing remembered in memory).</param>
/// <param name="Purge">Deletes projects.</param>
public sealed record StoreSet(IProjectStore Projects, IItemStore Items, ILeaseStore Leases, ILabelerStore Labelers, IDocumentStore Documents, IEventOutbox Outbox, Func<StoreSet> Reopen, IProjectPurge Purge);
