using System.Globalization;

namespace Labeling.Application.Problems;

/// <summary>The page size the list routes take (items, dead letters): 1 to 1,000, refused with 400 outside that.</summary>
public static class PageLimit
{
    /// <summary>The largest page.</summary>
    public const int Max = 1000;

    /// <summary>The page size asked for, checked.</summary>
    /// <param name="limit">The caller's <c>limit</c>.</param>
    /// <returns><paramref name="limit"/>.</returns>
    /// <exception cref="InvalidRequestException">Below 1 or above <see cref="Max"/>.</exception>
    public static int Checked(int limit) =>
        limit is >= 1 and <= Max ? limit : throw new InvalidRequestException("limit", string.Create(CultureInfo.InvariantCulture, $"limit is {limit}; use 1 to {Max}."));
}
