using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Labeling.Application.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Labeling.Application.Http;

/// <summary>
/// The one place where exceptions become RFC 7807 problem details: problems the caller can act on keep
/// their status and message; unreadable requests become 400; a store's failure that passes (an
/// <see cref="ITransientFailureClassifier"/> says so) is logged and becomes 503 with <c>Retry-After</c>; anything else is
/// logged and becomes a 500 that names the trace id but no internals.
/// </summary>
internal sealed partial class LabelingExceptionHandler : IExceptionHandler
{
    /// <summary>How long one kind of error (its type and where it was thrown) is logged without its stack trace again.</summary>
    public static readonly TimeSpan StackTraceEvery = TimeSpan.FromMinutes(1);

    private readonly IProblemDetailsService _problems;
    private readonly ILogger<LabelingExceptionHandler> _logger;
    private readonly TimeProvider _time;
    private readonly ITransientFailureClassifier[] _transient;
    // By kind: the exception's type and the method that threw it, so the code's throw sites bound it, not the requests.
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, string TraceId)> _traced = new(StringComparer.Ordinal);

    public LabelingExceptionHandler(IProblemDetailsService problems, ILogger<LabelingExceptionHandler> logger, TimeProvider time, IEnumerable<ITransientFailureClassifier> transient)
    {
        _problems = problems;
        _logger = logger;
        _time = time;
        _transient = [.. transient];
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            LabelingProblemException p => Problem(p.StatusCode, p.Title, p.Message, p.Extensions),
            BadHttpRequestException b => Problem(b.StatusCode, "The request could not be read.", Describe(b), null),
            JsonException j => Problem(StatusCodes.Status400BadRequest, "The request could not be read.", $"The JSON body is invalid: {Reason(j)}", null),
            _ => Busy(httpContext, exception),
        };
        // The id the problem's traceId carries (ASP.NET Core's default), so a quoted id finds the log line.
        var traceId = Activity.Current?.Id ?? httpContext.TraceIdentifier;
        if (problem is null)
        {
            LogServerError(httpContext, traceId, exception);
            problem = Problem(StatusCodes.Status500InternalServerError, "An unexpected error occurred.",
                $"The server failed to handle the request; quote trace id {traceId} when reporting it.", null);
        }
        else if (problem.Status >= 500)
        {
            LogServerError(httpContext, traceId, exception);
        }

        httpContext.Items[RefusalLog.ProblemTitleItem] = problem.Title;
        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await _problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        }).ConfigureAwait(false);
    }

    // Every 500 is one line (event 9001, which the Azure alert counts), but a dependency that fails every request (a full
    // disk, a database down) would log a stack trace of twenty lines per request: the same kind of error within a minute is
    // logged with its type and message and the trace id of the line that has its stack trace.
    private void LogServerError(HttpContext context, string traceId, Exception exception)
    {
        var kind = $"{exception.GetType().FullName}@{exception.TargetSite?.DeclaringType?.FullName}.{exception.TargetSite?.Name}";
        var now = _time.GetUtcNow();
        var first = _traced.AddOrUpdate(kind, _ => (now, traceId), (_, seen) => now - seen.At >= StackTraceEvery ? (now, traceId) : seen);
        var method = context.Request.Method;
        // Cut as the refusal log cuts it: a path is the caller's to make as long as the server takes.
        var path = RefusalLog.Bounded(context.Request.Path.ToUriComponent());
        if (first.TraceId == traceId)
        {
            LogUnhandled(_logger, method, path, traceId, string.Empty, exception);
        }
        else
        {
            var again = string.Create(CultureInfo.InvariantCulture, $": {exception.GetType().Name}: {exception.Message} (as at {first.At:O}, trace {first.TraceId}, whose line has the stack trace)");
            LogUnhandled(_logger, method, path, traceId, again, null);
        }
    }

    // A store's failure that passes: 503 with Retry-After (whole seconds, at least 1), so a client sends the request again.
    private ProblemDetails? Busy(HttpContext context, Exception exception)
    {
        if (_transient.Select(c => c.RetryAfter(exception)).FirstOrDefault(w => w is not null) is not { } wait)
        {
            return null;
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, "The service is busy.",
            string.Create(CultureInfo.InvariantCulture, $"The store is busy or briefly unavailable. Send the request again after {seconds} s (a vote with the same Idempotency-Key, which makes a retry safe)."),
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }

    private static ProblemDetails Problem(int status, string title, string detail, IDictionary<string, object?>? extensions)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        return problem;
    }

    private static string Describe(BadHttpRequestException exception)
    {
        // A route or query value that is not of its parameter's type: say which parameter and what it takes, not the .NET type.
        if (BindFailure().Match(exception.Message) is { Success: true } bind)
        {
            var name = bind.Groups["name"].Value;
            var value = InvalidRequestException.Echo(bind.Groups["value"].Value);
            var wanted = bind.Groups["type"].Value switch
            {
                "int" or "Nullable<int>" or "long" or "Nullable<long>" => "a whole number",
                "bool" or "Nullable<bool>" => "true or false",
                "double" or "Nullable<double>" => "a number",
                "DateTimeOffset" or "Nullable<DateTimeOffset>" => "a date and time (ISO 8601)",
                _ => "a value of another form",
            };
            return value.Length == 0
                ? $"'{name}' is empty; give {wanted}, or leave the parameter out."
                : $"'{name}' is '{value}'; give {wanted}.";
        }

        // Binding failures wrap the JSON reader's message, which says where the body went wrong.
        var inner = exception.InnerException is JsonException json ? $" {Reason(json)}" : string.Empty;
        return exception.Message + inner;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?<type>[^\"]+) (?<name>[^\" ]+)\" from \"(?<value>.*)\"\\.$", System.Text.RegularExpressions.RegexOptions.Singleline, 1000)]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    // The serializer names the .NET type it wanted ("could not be converted to System.Collections.Generic.IReadOnlyList`1[…]");
    // the caller needs the place in the body, which its path gives.
    // A property sent twice (LabelingJson refuses duplicates): said without the serializer's .NET type name.
    private static string Reason(JsonException exception) =>
        exception.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && exception.Path is { } path
            ? string.Create(CultureInfo.InvariantCulture, $"The value at {path} (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}) is not of the type the API takes there; /openapi/v1.json describes each body.")
            : exception.Message.StartsWith("Duplicate property", StringComparison.Ordinal)
                ? string.Create(CultureInfo.InvariantCulture, $"An object has the same property twice (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}; names are matched without regard to case): send each property once.")
                : UnmappedProperty().Match(exception.Message) is { Success: true } unmapped
                    ? string.Create(CultureInfo.InvariantCulture, $"The property '{InvalidRequestException.Echo(unmapped.Groups["name"].Value)}' at {exception.Path ?? "$"} is not one the API takes there (line {exception.LineNumber + 1}); check its spelling against /openapi/v1.json.")
                    : exception.Message;

    [System.Text.RegularExpressions.GeneratedRegex("^The JSON property '(?<name>.*)' could not be mapped to any \\.NET member", System.Text.RegularExpressions.RegexOptions.Singleline, 1000)]
    private static partial System.Text.RegularExpressions.Regex UnmappedProperty();

    [LoggerMessage(EventId = 9001, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path} (trace {TraceId}){Again}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, string traceId, string again, Exception? exception);
}
