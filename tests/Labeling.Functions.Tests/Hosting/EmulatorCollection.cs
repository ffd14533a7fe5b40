using Labeling.TestSupport.Emulators;

namespace Labeling.Functions.Tests.Hosting;

/// <summary>One Azurite and one Cosmos DB server process, shared by every test class that hosts the Functions app.</summary>
[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<AzuriteFixture>, ICollectionFixture<CosmosEmulatorFixture>
{
    public const string Name = "functions-emulators";
}
