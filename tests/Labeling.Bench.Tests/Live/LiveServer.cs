using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Labeling.Bench.Tests.Live;

/// <summary>
/// A real Labeling.Server child process on 127.0.0.1 with a temp data folder, started from the
/// build output beside this test's (same configuration) and stopped by its own process handle.
/// </summary>
internal sealed class LiveServer : IDisposable
{
    private readonly Process _process;
    private readonly TempFolder _data = new();
    private readonly List<string> _log = [];

    private LiveServer(int port)
    {
        Url = $"http://127.0.0.1:{port}";
        var dll = ServerDll();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "--urls", Url, "--data", _data.Path, "--Labeling:CreateDemoProject=false", "--Logging:LogLevel:Default=Warning" })
            start.ArgumentList.Add(arg);
        // The server runs as it would on a German machine, as the test process does.
        Labeling.TestSupport.ForeignCulture.ApplyTo(start);
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The server's base address.</summary>
    public string Url { get; }

    /// <summary>The server's data folder (its signing key mints tokens).</summary>
    public string DataFolder => _data.Path;

    /// <summary>Starts a server on a free port and waits until <c>/health</c> answers.</summary>
    public static async Task<LiveServer> StartAsync()
    {
        var server = new LiveServer(FreePort());
        try
        {
            await server.WaitHealthyAsync(TimeSpan.FromSeconds(30));
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
        _data.Dispose();
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) break;
            try
            {
                using var response = await http.GetAsync(Url + "/health");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but slower than the 2 s timeout (a first request on a busy machine): ask again until the deadline.
            }
            await Task.Delay(100);
        }
        string log;
        lock (_log) log = string.Join('\n', _log.TakeLast(30));
        throw new InvalidOperationException($"The server at {Url} did not become healthy in {timeout.TotalSeconds} s. Its output:\n{log}");
    }

    private void Log(string? line)
    {
        if (line is null) return;
        lock (_log) _log.Add(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // tests/Labeling.Bench.Tests/bin/{Configuration}/{tfm}/ → src/Labeling.Server/bin/{Configuration}/{tfm}/
    private static string ServerDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Labeling.Server", "bin", configuration, tfm, "Labeling.Server.dll");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"Labeling.Server.dll ({configuration}/{tfm}) was not found above {here.FullName}; build src/Labeling.Server.");
    }
}
