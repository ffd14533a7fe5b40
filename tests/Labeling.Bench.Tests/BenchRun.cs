namespace Labeling.Bench.Tests;

/// <summary>The outcome of running the bench in-process.</summary>
internal sealed record BenchRun(int ExitCode, string Out, string Error)
{
    public static BenchRun Of(params string[] args) => Of(showProgress: false, args);

    public static BenchRun Of(bool showProgress, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = BenchApp.Run(args, stdout, stderr, showProgress);
        return new BenchRun(code, stdout.ToString(), stderr.ToString());
    }

    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
