using System.Text.Json;
using Labeling.Application;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// Serialises Cosmos documents with System.Text.Json and the application's conventions
/// (<see cref="LabelingJson"/>), so stored items, projects and votes have the same shape as in the API.
/// </summary>
public sealed class CosmosJsonSerializer : CosmosSerializer
{
    private readonly JsonSerializerOptions _options = LabelingJson.Options;

    /// <inheritdoc />
    public override T FromStream<T>(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using (stream)
        {
            if (typeof(Stream).IsAssignableFrom(typeof(T)))
            {
                return (T)(object)stream;
            }

            return JsonSerializer.Deserialize<T>(stream, _options)!;
        }
    }

    /// <inheritdoc />
    public override Stream ToStream<T>(T input)
    {
        var stream = new MemoryStream();
        JsonSerializer.Serialize(stream, input, _options);
        stream.Position = 0;
        return stream;
    }
}
