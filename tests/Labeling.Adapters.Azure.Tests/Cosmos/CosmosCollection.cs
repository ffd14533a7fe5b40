using Labeling.TestSupport.Emulators;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>One Cosmos DB server process shared by every Cosmos test class.</summary>
[CollectionDefinition(Name)]
public sealed class CosmosCollection : ICollectionFixture<CosmosEmulatorFixture>
{
    public const string Name = "cosmos";
}
