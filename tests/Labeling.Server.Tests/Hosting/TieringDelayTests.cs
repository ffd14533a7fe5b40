using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Hosting;

/// <summary>
/// A built copy started without the runtime's tiering delay at 0 says so once at start, with what to set
/// (<see cref="LaunchSettingsTests"/> has why); one started with it says nothing. The setting is read as the runtime reads it.
/// </summary>
public sealed class TieringDelayTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("0", true)]
    [InlineData("00", true)]
    [InlineData(" 0", true)]
    [InlineData("0x0", true)]
    [InlineData("0x", true)] // the runtime reads the 0 and stops at the x
    [InlineData("0 ms", true)] // and stops at the first character that is not a digit
    [InlineData("64", false)]
    [InlineData("1", false)]
    [InlineData("x", false)] // no digit: the default
    [InlineData("100000000", false)] // beyond 32 bits: the default
    public void IsZero_ReadsTheSettingAsTheRuntimeDoes(string? setting, bool zero) =>
        Assert.Equal(zero, TieringDelay.IsZero(setting));

    [Fact]
    public void Setting_PrefersTheDotnetPrefix_ThenTheComplusOne()
    {
        Dictionary<string, string> both = new() { ["DOTNET_TC_CallCountingDelayMs"] = "0", ["COMPlus_TC_CallCountingDelayMs"] = "64" };
        Dictionary<string, string> legacy = new() { ["COMPlus_TC_CallCountingDelayMs"] = "0" };
        Dictionary<string, string> empty = new() { ["DOTNET_TC_CallCountingDelayMs"] = "", ["COMPlus_TC_CallCountingDelayMs"] = "64" };

        Assert.Equal("0", TieringDelay.Setting(both.GetValueOrDefault));
        Assert.Equal("0", TieringDelay.Setting(legacy.GetValueOrDefault));
        Assert.Equal("64", TieringDelay.Setting(empty.GetValueOrDefault));
        Assert.Null(TieringDelay.Setting(_ => null));
    }

    [Fact]
    public async Task Start_BuiltCopy_SaysOnceWhenTheDelayIsNotZero_AndNothingWhenItIs()
    {
        using var data = new TempFolder();
        string[] args = ["--Labeling:CreateDemoProject=false", "--Logging:LogLevel:Default=Information"];
        using (var unset = new ServerProcess(data.Path, ServerProcess.FreePort(), args))
        {
            unset.Environment[TieringDelay.Variable] = null;
            unset.Environment["COMPlus_TC_CallCountingDelayMs"] = null;
            await unset.StartAsync();

            Assert.Equal(1, Lines(unset.Output));
            Assert.Contains($"The runtime's tiering delay is not 0 (unset): a fresh server runs slower under load until it has optimized its hot path. `dotnet run` sets it; for a built copy, start it with {TieringDelay.Variable}=0 in its environment", unset.Output, StringComparison.Ordinal);
        }

        using var zero = new ServerProcess(data.Path, ServerProcess.FreePort(), args);
        zero.Environment[TieringDelay.Variable] = "0";
        await zero.StartAsync();

        Assert.Contains("Data folder:", zero.Output, StringComparison.Ordinal); // Information lines are shown
        Assert.Equal(0, Lines(zero.Output));
    }

    private static int Lines(string output) =>
        output.Split('\n').Count(line => line.Contains("TieringDelay[1005]", StringComparison.Ordinal));
}
