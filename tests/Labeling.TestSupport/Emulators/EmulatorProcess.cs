using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Labeling.TestSupport.Emulators;

/// <summary>
/// A Node.js emulator started as a child process on ephemeral ports. It waits until the process
/// prints the lines that name its ports, and kills the whole process tree on dispose.
/// </summary>
public sealed class EmulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private EmulatorProcess(Process process) => _process = process;

    /// <summary>The ports captured by the readiness patterns, in pattern order.</summary>
    public IReadOnlyList<int> Ports { get; private set; } = [];

    /// <summary>
    /// Starts <c>node script args</c> and waits until every pattern has matched a line of output;
    /// each pattern's first group is a port number.
    /// </summary>
    public static async Task<EmulatorProcess> StartAsync(string workingDirectory, string script, string arguments, IReadOnlyList<Regex> readiness, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo("node", $"{script} {arguments}")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start node; Node.js 20 must be on PATH.");
        var emulator = new EmulatorProcess(process);
        var ports = new int?[readiness.Count];
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (emulator._output)
            {
                emulator._output.AppendLine(line);
                for (var n = 0; n < readiness.Count; n++)
                {
                    var m = readiness[n].Match(line);
                    if (ports[n] is null && m.Success) ports[n] = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                }
                if (ports.All(p => p is not null)) ready.TrySetResult();
            }
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"{script} exited early: {emulator.Output}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            await emulator.DisposeAsync();
            throw new TimeoutException($"{script} did not report ready within {timeout}: {emulator.Output}");
        }
        emulator.Ports = ports.Select(p => p!.Value).ToArray();
        return emulator;
    }

    /// <summary>Everything the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone: nothing to stop.
        }
        catch (TimeoutException)
        {
            // The kill was sent; the OS reaps the process.
        }
        _process.Dispose();
    }
}
