namespace Labeling.Bench.Terminal;

/// <summary>Where a command writes: results to <see cref="Out"/>, notes and progress to <see cref="Error"/>.</summary>
/// <param name="Out">Results only (tables, CSV, figures), so stdout can be piped into a file.</param>
/// <param name="Error">Warnings, notes and the progress line.</param>
/// <param name="ShowProgress">Whether to draw a progress line on <see cref="Error"/> (a terminal).</param>
internal sealed record BenchConsole(TextWriter Out, TextWriter Error, bool ShowProgress)
{
    /// <summary>A progress line on stderr, silent when <see cref="ShowProgress"/> is off.</summary>
    public ProgressLine Progress(string task) => new(Error, ShowProgress, task);
}
