using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;

namespace MgeConvert.Tests.Reference;

public class ConstantEvaluatorTests
{
    [Fact]
    public void BuilderFoldsShapeSubgraphsWhileBuilding()
    {
        var b = new GraphBuilder("g", new ConstantEvaluator());
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3, 4));
        var shape = b.Apply(new ShapeOf(), x);
        var tail = b.Apply(new Slice([1], [3], [0], [1]), shape);
        var product = b.Apply(new Reduce(ReduceKind.Prod, [0], KeepDims: true), tail);
        var target = b.Apply(new Concat(0), b.Constant(Tensor.Vector(-1)), product);

        Assert.True(target.IsConstant);
        Assert.Equal([-1L, 12], target.Constant!.ToInt64s());
        Assert.Empty(b.Graph.Nodes);
    }

    [Fact]
    public void DoesNotFoldNodesReadingComputedValues()
    {
        var b = new GraphBuilder("g", new ConstantEvaluator());
        var x = b.Input("x", DataType.Float32, Shape.Of(2));
        var y = b.Apply(new Unary(UnaryFunction.Relu), x);
        Assert.False(y.IsConstant);
        Assert.Single(b.Graph.Nodes);
    }

    [Fact]
    public void ShapeOfNeedsAStaticShape()
    {
        var evaluator = new ConstantEvaluator();
        var dynamic = new Value("d", new TensorType(DataType.Float32, new Shape(-1, 3)));
        Assert.Null(evaluator.TryEvaluate(new ShapeOf(), [dynamic]));
        var fixedShape = new Value("s", new TensorType(DataType.Float32, Shape.Of(5, 3)));
        Assert.Equal([5L, 3], evaluator.TryEvaluate(new ShapeOf(), [fixedShape])![0].ToInt64s());
    }

    [Fact]
    public void RefusesResultsOverTheBoundButFoldsSmallOnes()
    {
        var evaluator = new ConstantEvaluator(maxElements: 100);
        var small = new Value("small", Tensor.FromFloats(Shape.Of(10, 10), new float[100]));
        var big = new Value("big", Tensor.FromFloats(Shape.Of(101), new float[101]));
        Assert.NotNull(evaluator.TryEvaluate(new Transpose([1, 0]), [small]));
        Assert.Null(evaluator.TryEvaluate(new Unary(UnaryFunction.Neg), [big]));
        Assert.Null(evaluator.TryEvaluate(new Tile([2, 1]), [small]));
    }

    [Fact]
    public void FoldedValuesMatchTheKernels()
    {
        var evaluator = new ConstantEvaluator();
        var a = new Value("a", Tensor.FromFloats(Shape.Of(2), 1.5f, -2));
        var result = evaluator.TryEvaluate(new Binary(BinaryFunction.Mul), [a, a])!;
        Assert.Equal([2.25f, 4f], result[0].ToFloats());
    }
}
