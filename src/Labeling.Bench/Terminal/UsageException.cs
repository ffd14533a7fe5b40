namespace Labeling.Bench.Terminal;

/// <summary>
/// An argument that parsed but makes no sense (an unknown method, a folder that does not exist).
/// <see cref="BenchApp"/> prints the message with the command's usage and exits with
/// <see cref="ExitCodes.UsageError"/>.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);
