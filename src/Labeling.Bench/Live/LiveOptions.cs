using System.CommandLine;

namespace Labeling.Bench.Live;

/// <summary>The options every live-server command shares.</summary>
internal static class LiveOptions
{
    /// <summary><c>--server URL</c>, required.</summary>
    public static Option<string> Server() => new("--server")
    {
        Description = "The server's base address, e.g. http://127.0.0.1:5080.",
        Required = true,
    };

    /// <summary><c>--token-data DIR</c>: the server's data folder, whose signing key mints tokens.</summary>
    public static Option<string> TokenData() => new("--token-data")
    {
        Description = "The server's --data folder; tokens are signed with its key (keys/signing-key.pem) as the server's token command does.",
    };
}
