using Microsoft.Extensions.Configuration;

namespace Labeling.Server.Tests.Hosting;

public sealed class UnknownSettingsTests
{
    [Fact]
    public void Find_AComputedPropertySetAsASetting_IsReportedAndNotListedAsTaken()
    {
        // Storage:FullDataDirectory is worked out from Storage:DataDirectory; binding never sets it, so setting it did nothing
        // while the start-up check accepted it, and listed it among the keys Storage takes.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:FullDataDirectory"] = "/elsewhere", ["Storage:DataDirectory"] = "data" })
            .Build();

        var unknown = UnknownSettings.Find(configuration);

        var (key, known) = Assert.Single(unknown);
        Assert.Equal("Storage:FullDataDirectory", key);
        Assert.Contains("DataDirectory", known, StringComparison.Ordinal);
        Assert.DoesNotContain("FullDataDirectory", known, StringComparison.Ordinal);
    }
}
