using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Http;

/// <summary>
/// A token bucket per caller (<see cref="LabelingOptions.RequestsPerSecondPerCaller"/> a second, bursts of
/// twice that): the token's subject, or the client address for a request without one. A caller over it
/// gets 429 problem details with <c>Retry-After</c>, and the refusal log records it like any other 4xx.
/// </summary>
/// <remarks>
/// Runs after authentication, so a valid token's subject is known and one caller cannot spend another's
/// budget, and before authorization, so requests refused for want of a token (counted by address) or of a role
/// (counted by subject) spend the budget too: a flood of refusals is cut off like any other. Buckets are refilled once a second by the partitioned limiter's own timer and dropped when
/// idle. It is a guard against one client flooding an instance, not a quota: each instance of the
/// Functions app counts for itself.
/// </remarks>
public static class CallerRateLimit
{
    /// <summary>Adds the limit of <see cref="LabelingOptions.RequestsPerSecondPerCaller"/>.</summary>
    /// <param name="app">The pipeline, after <c>UseAuthentication()</c> and before <c>UseAuthorization()</c>.</param>
    /// <returns>The pipeline.</returns>
    public static IApplicationBuilder UseLabelingRateLimit(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        Use(app, app.ApplicationServices.GetRequiredService<IOptions<LabelingOptions>>().Value.RequestsPerSecondPerCaller);
        return app;
    }

    /// <summary>Adds the limit to the pipeline; nothing when <paramref name="perSecond"/> is 0.</summary>
    /// <param name="app">The pipeline, after authentication and before authorization.</param>
    /// <param name="perSecond">Requests per second per caller.</param>
    public static void Use(IApplicationBuilder app, int perSecond)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (perSecond <= 0)
        {
            return;
        }

        var limiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(
            CallerOf(context),
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = 2 * perSecond,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = false,
            }));
        var problems = app.ApplicationServices.GetRequiredService<IProblemDetailsService>();
        var logged = new RefusalSampler(TimeProvider.System);
        app.Use(async (context, next) =>
        {
            using var lease = limiter.AttemptAcquire(context);
            if (lease.IsAcquired)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            const string Title = "Too many requests.";
            // A flood is the caller's requests refused hundreds of times a second: the log gets a line a second per caller,
            // counting the ones it left out, not a line each.
            var (log, unlogged) = logged.Admit(CallerOf(context));
            context.Items[RefusalLog.ProblemTitleItem] = unlogged == 0
                ? Title
                : string.Create(CultureInfo.InvariantCulture, $"{Title} ({unlogged} more from this caller since the last line, not logged)");
            if (!log)
            {
                context.Items[RefusalLog.UnloggedItem] = true;
            }

            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "1";
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new()
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = Title,
                    Detail = string.Create(CultureInfo.InvariantCulture,
                        $"This caller may make {perSecond} requests a second (bursts of {2 * perSecond}, Labeling:RequestsPerSecondPerCaller); retry after a second."),
                },
            }).ConfigureAwait(false);
        });
    }

    /// <summary>Whether a caller's refusal is logged: the first in each second, with how many were left out before it.</summary>
    internal sealed class RefusalSampler(TimeProvider time)
    {
        /// <summary>Callers remembered at most; past it, those not refused for a minute are forgotten.</summary>
        private const int MaxCallers = 10_000;

        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Window> _callers = new(StringComparer.Ordinal);
        private long _checkedAt = long.MinValue;

        /// <summary>Counts one refusal of <paramref name="caller"/>.</summary>
        /// <returns>Whether to log it, and how many of the caller's refusals went unlogged before it (when logged).</returns>
        public (bool Log, long Unlogged) Admit(string caller)
        {
            var second = time.GetUtcNow().ToUnixTimeSeconds();
            // Counting takes every lock of the dictionary: once a second, not on every refusal of a flood.
            if (Interlocked.Exchange(ref _checkedAt, second) != second && _callers.Count >= MaxCallers)
            {
                foreach (var (key, window) in _callers)
                {
                    if (window.Second < second - 60)
                    {
                        _callers.TryRemove(key, out _);
                    }
                }
            }

            while (true)
            {
                if (!_callers.TryGetValue(caller, out var current))
                {
                    if (_callers.TryAdd(caller, new Window(second, 0)))
                    {
                        return (true, 0);
                    }

                    continue;
                }

                var next = current.Second == second ? current with { Unlogged = current.Unlogged + 1 } : new Window(second, 0);
                if (_callers.TryUpdate(caller, next, current))
                {
                    return current.Second == second ? (false, 0) : (true, current.Unlogged);
                }
            }
        }

        private sealed record Window(long Second, long Unlogged);
    }

    private static string CallerOf(HttpContext context) =>
        CallerIdentity.TrySubject(context.User) is { } subject
            ? "sub:" + subject
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
