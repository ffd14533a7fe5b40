using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Labeling.TestSupport;

namespace Labeling.Server.Tests.Support;

/// <summary>
/// The real server as a child process (<c>dotnet Labeling.Server.dll --urls … --data …</c>, or as the README starts
/// it, <c>dotnet run --project src/Labeling.Server</c>), killable mid-run.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly string? _dataDirectory;
    private readonly string? _runFrom;
    private readonly string[] _extraArgs;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public ServerProcess(string dataDirectory, int port, params string[] extraArgs)
        : this(dataDirectory, null, port, extraArgs)
    {
    }

    private ServerProcess(string? dataDirectory, string? runFrom, int port, string[] extraArgs)
    {
        _dataDirectory = dataDirectory;
        _runFrom = runFrom;
        _extraArgs = extraArgs;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    /// <summary>Environment variables for the server process, set before it starts; a null value removes the variable.</summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The server as the README starts it: <c>dotnet run --project src/Labeling.Server</c> (no rebuild) from
    /// <paramref name="workingDirectory"/>, with no <c>--data</c>, so its data folder is wherever the default puts it.
    /// </summary>
    public static ServerProcess AsTheReadmeStartsIt(string workingDirectory, int port) => new(null, workingDirectory, port, []);

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs <c>dotnet Labeling.Server.dll token …</c> exactly as the README does and returns the token.</summary>
    public static async Task<string> MintTokenAsync(string dataDirectory, string role, string subject)
    {
        var start = Start(["token", "--role", role, "--sub", subject, "--data", dataDirectory]);
        using var process = Process.Start(start)!;
        var token = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"token command failed: {error}");
        return token.Trim();
    }

    public async Task StartAsync()
    {
        var process = Launch();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, $"The server exited early:\n{Output}");
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The server did not become healthy:\n{Output}");
    }

    /// <summary>Starts the server expecting it to stop by itself (it refuses to start), and returns its exit code.</summary>
    public async Task<int> RunToExitAsync(TimeSpan timeout)
    {
        var process = Launch();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return process.ExitCode;
    }

    /// <summary>Kills the process at once, as a crash would: no graceful shutdown, no flush.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
    }

    // Starts the server on this instance's port and data folder, its output collected into Output.
    private Process Launch()
    {
        string[] args = ["--urls", BaseAddress.ToString().TrimEnd('/'), "--Logging:LogLevel:Default=Warning", .. _extraArgs];
        var start = _runFrom is null ? Start([.. args, "--data", _dataDirectory!]) : DotnetRun(_runFrom, args);
        start.RedirectStandardInput = false;
        foreach (var (name, value) in Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = Process.Start(start)!;
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static ProcessStartInfo Start(IEnumerable<string> args)
    {
        var dll = RepositoryPaths.ServerDll();
        // Settings come from beside the dll wherever it starts; the data folder is always given.
        var start = Dotnet(Path.GetDirectoryName(dll)!, [dll, .. args]);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return start;
    }

    private static ProcessStartInfo DotnetRun(string workingDirectory, IEnumerable<string> args) =>
        Dotnet(workingDirectory, ["run", "--no-build", "-c", RepositoryPaths.Configuration(), "--project", RepositoryPaths.ServerProject(), "--", .. args]);

    private static ProcessStartInfo Dotnet(string workingDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The server runs where the tests do, in a foreign culture, so what a test pins of its answers is checked there too.
        ForeignCulture.ApplyTo(start);
        return start;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
