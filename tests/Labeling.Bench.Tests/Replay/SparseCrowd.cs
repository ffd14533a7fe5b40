namespace Labeling.Bench.Tests.Replay;

/// <summary>
/// Six items, three workers. w1 and w2 answer every item right (a, b, c are x; d, e, f are y); w3
/// answers only a (x, right) and d (x, wrong), so it must decline the other four tasks. 14 recorded
/// votes; every item needs at least two (the server's default minimum), so a replay uses 12 to 14.
/// </summary>
internal static class SparseCrowd
{
    public const string Answers = """
        item,worker,label
        a,w1,x
        a,w2,x
        a,w3,x
        b,w1,x
        b,w2,x
        c,w1,x
        c,w2,x
        d,w1,y
        d,w2,y
        d,w3,x
        e,w1,y
        e,w2,y
        f,w1,y
        f,w2,y

        """;

    public const string Truth = """
        item,label
        a,x
        b,x
        c,x
        d,y
        e,y
        f,y

        """;
}
