using System.Text.Json;
using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Hosting;

/// <summary>
/// <c>dotnet run --project src/Labeling.Server</c>, the README's first command, starts the server with the first launch
/// profile of <c>Properties/launchSettings.json</c> whose command is the project. That profile sets the runtime's tiering
/// delay to 0 (<c>DOTNET_TC_CallCountingDelayMs</c>, which only the environment can set; why: <see cref="TieringDelay"/>).
/// </summary>
public sealed class LaunchSettingsTests
{
    [Fact]
    public void DotnetRunProfile_SetsTheTieringDelayToZero_AndTheDevelopmentEnvironment()
    {
        var path = Path.Combine(RepositoryPaths.ServerProject(), "Properties", "launchSettings.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));

        // dotnet run takes the first profile whose commandName is "Project".
        var profile = json.RootElement.GetProperty("profiles").EnumerateObject()
            .Select(p => p.Value)
            .First(p => p.TryGetProperty("commandName", out var command) && command.GetString() == "Project");
        var environment = profile.GetProperty("environmentVariables");

        Assert.Equal("0", environment.GetProperty("DOTNET_TC_CallCountingDelayMs").GetString());
        Assert.Equal("Development", environment.GetProperty("ASPNETCORE_ENVIRONMENT").GetString());
        Assert.Equal("http://localhost:5080", profile.GetProperty("applicationUrl").GetString());
    }
}
