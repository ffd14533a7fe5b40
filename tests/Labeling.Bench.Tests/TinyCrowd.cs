namespace Labeling.Bench.Tests;

/// <summary>
/// Three items, three workers, majority obvious: a gets x,x,y and b gets y,y,x (majority right);
/// c gets y,y,y but is truly x (majority wrong). Majority vote scores 2/3.
/// </summary>
internal static class TinyCrowd
{
    public const string Answers = """
        item,worker,label
        a,w1,x
        a,w2,x
        a,w3,y
        b,w1,y
        b,w2,y
        b,w3,x
        c,w1,y
        c,w2,y
        c,w3,y

        """;

    public const string Truth = """
        item,label
        a,x
        b,y
        c,x

        """;
}
