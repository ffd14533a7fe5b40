using System.Net.Http.Headers;
using Labeling.Adapters.Local.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Labeling.Server.Tests.Support;

/// <summary>The real server in-process (WebApplicationFactory) on a fresh data folder with real SQLite.</summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    private readonly TempFolder _data = new();
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _time;
    private readonly Action<IServiceCollection>? _services;

    public ServerFactory(IDictionary<string, string?>? settings = null, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        _time = time;
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = _data.Path,
            ["Storage:InboxScanInterval"] = "00:00:00.200",
            ["Storage:InboxSettleTime"] = "00:00:00.100",
            ["Logging:LogLevel:Default"] = "Warning",
            ["WorkQueue:PollInterval"] = "00:00:00.020",
            ["Events:PollInterval"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory => _data.Path;

    public HttpClient ClientAs(string subject, params string[] roles)
    {
        var client = CreateClient();
        var key = Services.GetRequiredService<LocalSigningKey>();
        var auth = Services.GetRequiredService<IOptions<LocalAuthOptions>>().Value;
        // Tokens are validated against the wall clock, so mint them with it even when the app's clock is fake.
        var token = new LocalTokenIssuer(key, auth, TimeProvider.System).Mint(subject, roles);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_time is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(_time));
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }
}
