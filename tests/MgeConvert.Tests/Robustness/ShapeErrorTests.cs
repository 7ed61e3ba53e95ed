using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Robustness;

/// <summary>Inconsistent shapes reaching the IR are IrExceptions (which readers report as ModelFormatException).</summary>
public sealed class ShapeErrorTests
{
    [Fact]
    public void UnknownRankAndBadDimensionsAreIrExceptions()
    {
        Assert.Throws<IrException>(() => Shape.Unknown.Rank);
        Assert.Throws<IrException>(() => Shape.Unknown.ToArray());
        Assert.Throws<IrException>(() => new Shape(2, -7));
        Assert.Throws<IrException>(() => new Shape(1L << 40, 1L << 40).ElementCount);
    }

    [Fact]
    public void TypeInferenceFailuresOfAnyKindBecomeIrExceptions()
    {
        var b = new GraphBuilder("g");
        var unranked = b.Input("x", DataType.Float32, Shape.Unknown);
        var e = Assert.Throws<IrException>(() => b.Apply(new Transpose([1, 0]), unranked));
        Assert.Contains("unknown rank", e.Message);
        var image = b.Input("image", DataType.Float32, Shape.Of(1, 1, 8, 8));
        var pool = Assert.Throws<IrException>(() => b.Apply(new Pool(PoolKind.Max, [2, 2], [0, 0], [0, 0, 0, 0]), image));
        Assert.StartsWith("MaxPool", pool.Message);
    }
}
