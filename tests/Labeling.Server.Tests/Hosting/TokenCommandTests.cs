namespace Labeling.Server.Tests.Hosting;

/// <summary>The <c>token</c> command's lifetime: the range <c>LocalAuth:TokenLifetime</c> allows, and a clear refusal outside it.</summary>
public sealed class TokenCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("labeling-token-").FullName;

    [Theory]
    [InlineData("100000")]
    [InlineData("1e9")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("NaN")]
    [InlineData("soon")]
    public void Run_HoursOutsideOneMinuteToAYear_IsRefusedWithTheRange(string hours)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TokenCommand.Run(["--role", "admin", "--sub", "root", "--hours", hours, "--data", _data], output, error);

        Assert.Equal(2, exit);
        Assert.Contains("--hours must be a number from 0.0167 (one minute) to 8760 (a year)", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output.ToString());
    }

    [Theory]
    [InlineData("8760", 8760)]
    [InlineData("0.5", 0.5)]
    public void Run_HoursInRange_MintsATokenThatLivesThatLong(string hours, double expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TokenCommand.Run(["--role", "admin", "--sub", "root", "--hours", hours, "--data", _data], output, error);

        Assert.Equal(0, exit);
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ReadJsonWebToken(output.ToString().Trim().Split('\n')[^1]);
        Assert.InRange((token.ValidTo - token.IssuedAt).TotalHours, expected - 0.01, expected + 0.01);
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
