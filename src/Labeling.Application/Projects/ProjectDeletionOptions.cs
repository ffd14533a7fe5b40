using System.ComponentModel.DataAnnotations;

namespace Labeling.Application.Projects;

/// <summary>How project deletions spend their time (<see cref="ProjectDeletion"/>). Bound from the <c>Deletion</c> section.</summary>
public sealed class ProjectDeletionOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Deletion";

    /// <summary>
    /// How long a <c>DELETE</c> purges the project's data before it answers: a purge done by then answers 204; one that is
    /// not answers 202 and is finished in the background (on the local server at once, by the Functions app within five
    /// minutes). The project is gone from every route from the start either way. Default 20 seconds, under the time a
    /// client or the Azure front end waits for an answer; <c>00:00:00</c> answers 202 as soon as the project is marked.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RequestTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How often the local server looks for deletions left unfinished by a purge that failed (a store error) and tries them
    /// again; one a <c>DELETE</c> hands over is taken up at once. Default one minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMinutes(1);
}
