using Labeling.Domain.Items;

namespace Labeling.Domain.Tests.Items;

public sealed class ItemIdTests
{
    private const string Hash = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    [Fact]
    public void IdFor_SameTextInTwoProjects_GivesDifferentIds()
    {
        Assert.NotEqual(Item.IdFor("spam-a", Hash), Item.IdFor("spam-b", Hash));
    }

    [Fact]
    public void IdFor_SameTextInOneProject_GivesTheSameId()
    {
        Assert.Equal(Item.IdFor("spam-a", Hash), Item.IdFor("spam-a", Hash));
        Assert.Matches("^itm_[0-9a-f]{24}$", Item.IdFor("spam-a", Hash));
    }

    [Fact]
    public void IdFor_ProjectAndHashBoundaryShifted_GivesDifferentIds()
    {
        // "ab" + "c…" and "a" + "bc…" must not hash the same input.
        Assert.NotEqual(Item.IdFor("ab", "c" + Hash), Item.IdFor("a", "bc" + Hash));
    }
}
