using Labeling.Application.Ports;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>The store ports of one backend, fresh for one test.</summary>
public sealed record StoreSet(IProjectStore Projects, IItemStore Items, ILeaseStore Leases, ILabelerStore Labelers, IDocumentStore Documents);
