namespace Labeling.Bench.Terminal;

/// <summary>Process exit codes of the bench.</summary>
internal static class ExitCodes
{
    /// <summary>The command ran.</summary>
    public const int Success = 0;

    /// <summary>A data file is missing or malformed, or the run failed.</summary>
    public const int DataError = 1;

    /// <summary>The command line was wrong; usage was printed.</summary>
    public const int UsageError = 2;

    /// <summary>The run was stopped (Ctrl+C, SIGINT or SIGTERM) before it ended: 128 + SIGINT, as a shell reports it.</summary>
    public const int Cancelled = 130;
}
