namespace Labeling.Application.Truth;

/// <summary>
/// Exclusive use of one project's truth model while a labeling step runs. Dispose to release.
/// Call <see cref="Invalidate"/> when the step failed after touching the model, so the next step
/// reloads it from the store instead of using a model ahead of what was saved.
/// </summary>
public sealed class ProjectSession : IDisposable
{
    private readonly ProjectModels.Entry _entry;
    private bool _disposed;

    internal ProjectSession(ProjectModels.Entry entry, ProjectTruthModel model)
    {
        _entry = entry;
        Model = model;
    }

    /// <summary>The project's model.</summary>
    public ProjectTruthModel Model { get; }

    /// <summary>Drops the cached model; it is reloaded from the store on next use.</summary>
    public void Invalidate() => _entry.Model = null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _entry.Gate.Release();
    }
}
