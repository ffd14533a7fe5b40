using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Labeling.Application.Ingestion;

/// <summary>
/// What every parser does around its format-specific core: check the arguments and options, cap the
/// bytes read, and turn any error from a parsing library into a <see cref="DocumentRejectedException"/>
/// that names the file.
/// </summary>
internal static class ParserPipeline
{
    public delegate IAsyncEnumerable<ParsedItem> Core(Stream content, IngestionOptions options, CancellationToken cancellationToken);

    public static IAsyncEnumerable<ParsedItem> Run(
        string fileName,
        Stream content,
        IngestionOptions options,
        string formatName,
        Core core,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptions(options);
        return RunAsync(fileName, content, options, formatName, core, cancellationToken);
    }

    private static async IAsyncEnumerable<ParsedItem> RunAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        string formatName,
        Core core,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The parse gets options.ParseTimeout in all; running out of it rejects the file, while the caller's
        // own cancellation still propagates as cancellation.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ParseTimeout);
        IAsyncEnumerator<ParsedItem> items;
        try
        {
            var limited = SizeLimitedStream.Wrap(content, options.MaxFileBytes);
            items = core(limited, options, deadline.Token).GetAsyncEnumerator(deadline.Token);
        }
        catch (Exception ex) when (Reject(ex, fileName, formatName, TimedOut(deadline, cancellationToken, options)) is { } rejected)
        {
            throw rejected;
        }

        await using (items.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await items.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (Reject(ex, fileName, formatName, TimedOut(deadline, cancellationToken, options)) is { } rejected)
                {
                    throw rejected;
                }

                if (!more)
                {
                    yield break;
                }

                yield return items.Current;
            }
        }
    }

    // The rejection for a parse that ran out of time, or null while the deadline has not passed (or the caller cancelled).
    private static DocumentRejectedException? TimedOut(CancellationTokenSource deadline, CancellationToken caller, IngestionOptions options) =>
        deadline.IsCancellationRequested && !caller.IsCancellationRequested
            ? new DocumentRejectedException(
                string.Create(CultureInfo.InvariantCulture, $"Reading the file took longer than {options.ParseTimeout.TotalSeconds:0.#} s (Ingestion:ParseTimeout); it may be built to be slow to parse ")
                + "(markup nested thousands of levels deep, for instance). Simplify or split it, or raise the limit if the file is genuine.")
            : null;

    // Null means "let it propagate": the caller's cancellation and out-of-memory are not the document's fault.
    private static DocumentRejectedException? Reject(Exception ex, string fileName, string formatName, DocumentRejectedException? timedOut)
    {
        if (ex is OperationCanceledException && timedOut is not null)
        {
            return timedOut.WithFileName(fileName);
        }

        if (ex is OperationCanceledException or OutOfMemoryException)
        {
            return null;
        }

        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is DocumentRejectedException rejected)
            {
                return rejected.WithFileName(fileName);
            }
        }

        // Library messages can quote the document, so only the error's kind goes into the reason.
        return new DocumentRejectedException(
            $"The file could not be read as {formatName} ({ex.GetType().Name}). Check that it is a valid {formatName} file.",
            fileName,
            ex);
    }

    private static void ValidateOptions(IngestionOptions options)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            throw new ArgumentException(
                $"Invalid {IngestionOptions.SectionName} options: {string.Join("; ", results.Select(r => r.ErrorMessage))}",
                nameof(options));
        }
    }
}
