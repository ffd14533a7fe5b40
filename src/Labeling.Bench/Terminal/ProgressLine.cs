using System.Diagnostics;
using System.Globalization;

namespace Labeling.Bench.Terminal;

/// <summary>
/// A single progress line on stderr, redrawn in place with a carriage return and cleared when
/// disposed. Redraws at most every 100 ms so that drawing never shows up in the timings.
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    private const int BarWidth = 30;
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;
    private readonly TextWriter _error;
    private readonly bool _enabled;
    private readonly string _task;
    private long _lastDraw;
    private bool _redrawNow = true;
    private int _lastLength;

    public ProgressLine(TextWriter error, bool enabled, string task)
    {
        _error = error;
        _enabled = enabled;
        _task = task;
    }

    /// <summary>Reports <paramref name="done"/> of <paramref name="total"/> steps; <paramref name="step"/> names the current one.</summary>
    public void Report(long done, long total, string step = "")
    {
        if (!_enabled) return;
        var now = Stopwatch.GetTimestamp();
        if (done < total && !_redrawNow && now - _lastDraw < RedrawTicks) return;
        _lastDraw = now;
        _redrawNow = false;
        var fraction = total <= 0 ? 1.0 : Math.Clamp((double)done / total, 0, 1);
        var filled = (int)Math.Round(fraction * BarWidth);
        var line = string.Create(CultureInfo.InvariantCulture, $"{_task} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {done}/{total} {step}");
        var pad = Math.Max(0, _lastLength - line.Length);
        _error.Write('\r' + line + new string(' ', pad));
        _error.Flush();
        _lastLength = line.Length;
    }

    /// <summary>Writes a line of text to stderr above the progress line, which is redrawn on the next report.</summary>
    public void Note(string text)
    {
        Erase();
        _error.WriteLine(text);
        _redrawNow = true;
    }

    /// <summary>Erases the line so that later output starts on a clean line.</summary>
    public void Dispose() => Erase();

    private void Erase()
    {
        if (!_enabled || _lastLength == 0) return;
        _error.Write('\r' + new string(' ', _lastLength) + '\r');
        _error.Flush();
        _lastLength = 0;
    }
}
