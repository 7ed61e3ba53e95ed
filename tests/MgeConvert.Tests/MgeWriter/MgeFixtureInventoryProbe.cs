using Xunit.Abstractions;

namespace MgeConvert.Tests.MgeWriter;

public class MgeFixtureInventoryProbe(ITestOutputHelper output)
{
    [Fact]
    public void PrintInventory()
    {
        var all = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in MgeOpInventory.FixtureDumps())
        {
            foreach (var c in MgeOpInventory.Conventions(path, File.ReadAllBytes(path)))
            {
                all.Add(c.Key);
            }
        }

        File.WriteAllLines("/tmp/mge_inventory.txt", all);
        output.WriteLine($"{all.Count}");
        Assert.NotEmpty(all);
    }
}
