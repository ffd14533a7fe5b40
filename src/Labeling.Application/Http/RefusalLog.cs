using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Labeling.Application.Http;

/// <summary>
/// Logs every request the API refuses with a 4xx status — no or a bad token, a role that may not call
/// the route, someone else's lease, an unknown label, an oversized upload, an unknown route — so each
/// rejected attempt leaves one structured record: method, path, status, caller, the problem's title
/// (or, for 401, the bearer challenge's reason) and the trace id the response carries.
/// </summary>
/// <remarks>
/// <para>401 and 403 (attempts at access) are logged at Warning, other refusals at Information; of a caller's 429s
/// (<see cref="CallerRateLimit"/>) only the first in each second, the next logged one counting those left out. A 5xx
/// is not logged here: <see cref="LabelingExceptionHandler"/> logs it with its exception. The path is
/// logged escaped (<see cref="PathString.ToUriComponent()"/>), so a percent-encoded line break in a
/// request cannot forge a log line; the query string and the body are not logged (they may carry
/// tokens or the caller's data).</para>
/// <para>Register it first, outside <c>UseExceptionHandler()</c>, so it sees the status the caller
/// finally gets: <see cref="UseLabelingRefusalLog"/>.</para>
/// </remarks>
public static partial class RefusalLog
{
    /// <summary>The <see cref="HttpContext.Items"/> key under which the exception handler leaves the problem's title.</summary>
    internal const string ProblemTitleItem = "labeling.problem-title";

    /// <summary>The <see cref="HttpContext.Items"/> key that marks a refusal left out of the log (the rate limit's sampling).</summary>
    internal const string UnloggedItem = "labeling.refusal-unlogged";

    /// <summary>Longest request path logged in full.</summary>
    public const int MaxLoggedPath = 256;

    /// <summary>The longest reason logged as is.</summary>
    internal const int MaxLoggedReason = 1_000;

    /// <summary>Logs each 4xx answer of the pipeline after it (see <see cref="RefusalLog"/>).</summary>
    /// <param name="app">The pipeline; call this before <c>UseExceptionHandler()</c>.</param>
    /// <returns>The pipeline.</returns>
    public static IApplicationBuilder UseLabelingRefusalLog(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RefusalLog).FullName!);
        return app.Use(async (context, next) =>
        {
            await next(context).ConfigureAwait(false);
            var status = context.Response.StatusCode;
            // 499 is a caller that hung up before the answer (ASP.NET Core's code for it): nothing was refused.
            if (status is >= 400 and < 500 and not StatusCodes.Status499ClientClosedRequest && !context.Items.ContainsKey(UnloggedItem))
            {
                Write(logger, context, status);
            }
        });
    }

    private static void Write(ILogger logger, HttpContext context, int status)
    {
        var request = context.Request;
        var path = Bounded((request.PathBase + request.Path).ToUriComponent());
        var caller = Caller(context.User);
        var reason = context.Items[ProblemTitleItem] as string
            ?? status switch
            {
                StatusCodes.Status401Unauthorized => AccessRefusal.Unauthorized(context.Response),
                StatusCodes.Status403Forbidden => AccessRefusal.Forbidden(context),
                StatusCodes.Status413PayloadTooLarge => "the request body is larger than the route takes",
                _ when context.GetEndpoint() is null => "no such route",
                StatusCodes.Status405MethodNotAllowed => "the route does not take this method",
                StatusCodes.Status415UnsupportedMediaType => "the body is not JSON",
                // What no handler described (a request body the server could not read): the status's own name.
                _ => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "-",
            };
        // A reason can quote what the caller sent (a token's issuer, checked before its signature): no more of it than a
        // long message needs, so that no caller, with or without a key, can make one refusal kilobytes of log.
        reason = reason.Length <= MaxLoggedReason ? reason : $"{reason[..(MaxLoggedReason - 40)]}… ({reason.Length} characters)";
        if (status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden)
        {
            LogAccessRefused(logger, request.Method, path, status, caller, Client(context), reason, TraceId(context));
        }
        else
        {
            LogRefused(logger, request.Method, path, status, caller, Client(context), reason, TraceId(context));
        }
    }

    // An anonymous caller chooses the path; a long one is logged by its start and its length, so refusals cannot grow the log by kilobytes each.
    internal static string Bounded(string path) => path.Length <= MaxLoggedPath ? path : $"{path[..MaxLoggedPath]}… ({path.Length} characters)";

    // The address the request came from, as the rate limit partitions anonymous callers by it: the only trace of a caller
    // without a valid token (behind a proxy, the proxy's address unless the host is told to read forwarded headers).
    private static string Client(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    // The id problem details report as traceId (ASP.NET Core's default: the request's activity, else its trace identifier).
    private static string TraceId(HttpContext context) => Activity.Current?.Id ?? context.TraceIdentifier;

    // The subject of a validated token, or "anonymous" (no token, or one that failed validation).
    private static string Caller(ClaimsPrincipal user)
    {
        if (user.Identity is not { IsAuthenticated: true })
        {
            return "anonymous";
        }

        return CallerIdentity.TrySubject(user) is { } subject ? Printable(subject) : "authenticated, no subject";
    }

    // A subject is whatever the token's issuer put there: control characters shown as escapes (a line break would
    // start a forged log line) and no more of it than of a path.
    private static string Printable(string subject)
    {
        var cut = subject.Length > MaxLoggedPath;
        var shown = cut ? subject[..MaxLoggedPath] : subject;
        if (shown.Any(char.IsControl))
        {
            shown = string.Concat(shown.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        }

        return cut ? $"{shown}… ({subject.Length} characters)" : shown;
    }

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Refused {Method} {Path} with {Status} for {Caller} from {Client}: {Reason} (trace {TraceId})")]
    private static partial void LogAccessRefused(ILogger logger, string method, string path, int status, string caller, string client, string reason, string traceId);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Refused {Method} {Path} with {Status} for {Caller} from {Client}: {Reason} (trace {TraceId})")]
    private static partial void LogRefused(ILogger logger, string method, string path, int status, string caller, string client, string reason, string traceId);
}
