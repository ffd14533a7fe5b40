using Labeling.TestSupport.Emulators;

namespace Labeling.Adapters.Azure.Tests.Storage;

/// <summary>One Azurite process shared by every storage test class.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
