namespace Labeling.Bench.Reporting;

/// <summary>Named figures printed as aligned <c>name  value</c> lines, in the order added.</summary>
internal sealed class FigureList
{
    private readonly List<(string Name, string Value)> _figures = [];

    /// <summary>Adds a figure.</summary>
    public FigureList Add(string name, string value)
    {
        _figures.Add((name, value));
        return this;
    }

    /// <summary>Writes every figure, names padded to the longest.</summary>
    public void WriteTo(TextWriter output)
    {
        var width = _figures.Count == 0 ? 0 : _figures.Max(f => f.Name.Length);
        foreach (var (name, value) in _figures) output.WriteLine($"{name.PadRight(width)}  {value}");
        output.Flush();
    }
}
