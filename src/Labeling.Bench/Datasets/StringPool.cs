namespace Labeling.Bench.Datasets;

/// <summary>
/// Returns one string instance per distinct text. An item named in five answers is then stored
/// once, and a field that was seen before costs no allocation (lookup by span).
/// </summary>
internal sealed class StringPool
{
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The pooled string equal to <paramref name="text"/>.</summary>
    public string Get(ReadOnlySpan<char> text)
    {
        if (_lookup.TryGetValue(text, out var existing)) return existing;
        var created = text.ToString();
        _strings.Add(created);
        return created;
    }
}
