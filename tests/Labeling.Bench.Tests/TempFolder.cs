namespace Labeling.Bench.Tests;

/// <summary>A folder under the system temp path, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bench-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>Creates a data set sub-folder with the given file contents (null: file left out).</summary>
    public string DataSet(string name, string? answers, string? truth)
    {
        var folder = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(folder);
        if (answers is not null) System.IO.File.WriteAllText(System.IO.Path.Combine(folder, "answers.csv"), answers);
        if (truth is not null) System.IO.File.WriteAllText(System.IO.Path.Combine(folder, "truth.csv"), truth);
        return folder;
    }

    public string File(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
