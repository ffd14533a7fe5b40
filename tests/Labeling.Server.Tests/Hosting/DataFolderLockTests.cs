using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Hosting;

/// <summary>
/// One server per data folder: a second one refuses to start and says why; a crashed one leaves no lock behind; a
/// database it cannot write stops it in one line.
/// </summary>
public sealed class DataFolderLockTests
{
    [Fact]
    public async Task Start_SecondServerOnADataFolderInUse_ExitsWithAClearMessageAndStartsOnceTheFirstIsGone()
    {
        using var data = new TempFolder();
        using var first = new ServerProcess(data.Path, ServerProcess.FreePort(), "--Labeling:CreateDemoProject=false");
        await first.StartAsync();

        using var second = new ServerProcess(data.Path, ServerProcess.FreePort(), "--Labeling:CreateDemoProject=false");
        var exitCode = await second.RunToExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"The data folder '{data.Path}' is in use by another Labeling.Server", second.Output, StringComparison.Ordinal);
        // One line that says what to do: no failed host start, no stack trace.
        Assert.DoesNotContain("Unhandled exception", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.Output, StringComparison.Ordinal);
        using (var http = new HttpClient { BaseAddress = first.BaseAddress })
        {
            Assert.True((await http.GetAsync("/health")).IsSuccessStatusCode);
        }

        // Killed, not stopped: the operating system lets the lock go with the process.
        first.Kill();
        using var third = new ServerProcess(data.Path, ServerProcess.FreePort(), "--Labeling:CreateDemoProject=false");
        await third.StartAsync();
    }

    [Fact]
    public async Task Start_OnAPortInUse_ExitsWith1AndALineSayingWhatToDo()
    {
        // A port already taken aborted the process with an unhandled exception (exit 134) after the host's error.
        using var data = new TempFolder();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        using var server = new ServerProcess(data.Path, port, "--Labeling:CreateDemoProject=false");

        var exitCode = await server.RunToExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"Labeling.Server did not start: Failed to bind to address http://127.0.0.1:{port}: address already in use. Stop what listens there, or give this server another address with --urls", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", server.Output, StringComparison.Ordinal);
        // The host's own error stays, without the 30-line stack trace of a failed bind above the line that says what to do.
        Assert.Contains("Hosting failed to start", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("SocketException", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal);
        // The background services stop quietly: no critical "BackgroundService failed" for a cancelled wait.
        Assert.DoesNotContain("BackgroundService failed", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnADataFolderThatCannotBeCreated_ExitsWith1AndOneLineSayingWhy_NotThatItIsInUse()
    {
        // A data folder whose parent is a file (as a folder the user may not write, or a read-only disk) ended in an
        // unhandled exception (exit 134), or was reported as "in use by another Labeling.Server".
        using var data = new TempFolder();
        var file = Path.Combine(data.Path, "not-a-folder");
        await File.WriteAllTextAsync(file, "x");
        var folder = Path.Combine(file, "data");
        using var server = new ServerProcess(folder, ServerProcess.FreePort());

        var exitCode = await server.RunToExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"Labeling.Server did not start: The data folder '{folder}' cannot be used: ", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("in use by another", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DatabaseFileThatIsNotADatabase_ExitsWith1AndOneLineNamingTheFile()
    {
        // A database the server cannot write (locked by another program past 10 s, read-only, damaged) failed the host's
        // start once the demo project was written: SQLite's message under a stack trace, exit 134.
        using var data = new TempFolder();
        var file = Path.Combine(data.Path, "labeling.db");
        await File.WriteAllTextAsync(file, new string('x', 4096));
        using var server = new ServerProcess(data.Path, ServerProcess.FreePort());

        var exitCode = await server.RunToExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"Labeling.Server did not start: The database {file} cannot be used (SQLite Error 26: 'file is not a database'.)", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal);
    }
}
