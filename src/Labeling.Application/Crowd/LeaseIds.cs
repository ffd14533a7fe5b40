using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Labeling.Application.Crowd;

/// <summary>Ids for the leases of one round of candidates.</summary>
internal static class LeaseIds
{
    /// <summary>
    /// <paramref name="count"/> lease ids, each <c>lse_</c> and a version 7 UUID in 32 hex digits: the millisecond of
    /// <paramref name="now"/>, then 74 random bits. Time-ordered, so a store's index of lease ids grows at its end instead of at a
    /// random page per lease.
    /// </summary>
    /// <param name="now">The time of the lease.</param>
    /// <param name="count">How many ids.</param>
    /// <returns>The ids.</returns>
    /// <remarks>
    /// The random bits of the whole round come from one call of the system's secure generator. <see cref="Guid.CreateVersion7(DateTimeOffset)"/>
    /// makes one such call per id, a system call each, and a round has up to eight candidates of which one is granted.
    /// </remarks>
    public static string[] New(DateTimeOffset now, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Span<byte> random = count <= 16 ? stackalloc byte[16 * count] : new byte[16 * count];
        RandomNumberGenerator.Fill(random);
        var millisecond = now.ToUnixTimeMilliseconds();
        var ids = new string[count];
        Span<byte> timestamp = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(timestamp, millisecond);
        for (var i = 0; i < count; i++)
        {
            var bytes = random.Slice(16 * i, 16);
            timestamp[2..].CopyTo(bytes);
            bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
            bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // RFC 9562 variant
            ids[i] = "lse_" + new Guid(bytes, bigEndian: true).ToString("N");
        }

        return ids;
    }
}
