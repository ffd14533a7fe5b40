using Labeling.Bench.Terminal;

namespace Labeling.Bench.Live;

/// <summary>Checks the <c>--server</c> argument.</summary>
internal static class ServerAddress
{
    /// <summary>The base address in <paramref name="value"/>, ending with a slash so relative paths append.</summary>
    /// <exception cref="UsageException">Not an absolute http(s) address.</exception>
    public static Uri Parse(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new UsageException($"--server '{value}' is not an http(s) address; give the server's base address, e.g. http://127.0.0.1:5080.");
        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }
}
