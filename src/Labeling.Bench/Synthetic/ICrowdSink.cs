namespace Labeling.Bench.Synthetic;

/// <summary>Receives a simulated crowd item by item, so it can be streamed to disk or kept in memory.</summary>
internal interface ICrowdSink
{
    /// <summary>Item <paramref name="item"/> has true class <paramref name="truth"/>; its votes follow.</summary>
    void Item(int item, int truth);

    /// <summary>Worker <paramref name="worker"/> answered <paramref name="label"/> on <paramref name="item"/>.</summary>
    void Vote(int item, int worker, int label);
}
