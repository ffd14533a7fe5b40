namespace Labeling.Bench.Evaluation;

/// <summary>One line of the inference report.</summary>
/// <param name="Dataset">The data set folder's name.</param>
/// <param name="Method">The method's name.</param>
/// <param name="Accuracy">Accuracy over truth rows (mean over repeats).</param>
/// <param name="Seconds">Fitting or replay time in seconds (mean over repeats of the fastest timed run).</param>
/// <param name="Answers">Number of rows in answers.csv.</param>
internal sealed record BenchRow(string Dataset, string Method, double Accuracy, double Seconds, int Answers);
