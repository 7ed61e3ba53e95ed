using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>Softmax, concatenation, reshaping, slicing, reductions and resizing.</summary>
internal sealed partial class CaffeLowering
{
    private void LowerSoftmax(Node node, long axis, bool log)
    {
        var x = node.Input(0);
        var param = new SoftmaxParameter { Axis = ShapeMath.Axis(axis, x.Shape.Rank) };
        if (!log)
        {
            Main(node, "Softmax", [Blob(x)], [Define(node.Output)]).SoftmaxParam = param;
            return;
        }

        var softmax = TempBlob($"{node.Output.Name}/softmax");
        Extra(node, "softmax", "Softmax", [Blob(x)], [softmax]).SoftmaxParam = param;
        Main(node, "Log", [softmax], [Define(node.Output)]);
    }

    private void LowerConcat(Node node, Concat concat)
    {
        var bottoms = node.Inputs.Select(i => Blob(i!)).ToList();
        Main(node, "Concat", bottoms, [Define(node.Output)]).ConcatParam =
            new ConcatParameter { Axis = ShapeMath.Axis(concat.Axis, node.Input(0).Shape.Rank) };
    }

    private void LowerFlatten(Node node, Flatten flatten)
    {
        var rank = node.Input(0).Shape.Rank;
        var axis = flatten.Axis < 0 ? flatten.Axis + rank : flatten.Axis;
        if (axis != 1)
        {
            LowerReshape(node);
            return;
        }

        Main(node, "Flatten", [Blob(node.Input(0))], [Define(node.Output)]);
    }

    private void LowerReshape(Node node) =>
        Main(node, "Reshape", [Blob(node.Input(0))], [Define(node.Output)]).ReshapeParam =
            new ReshapeParameter { Shape = Shape(StaticShape(node.Output)) };

    private void LowerTranspose(Node node, Transpose transpose)
    {
        var layer = Main(node, "Permute", [Blob(node.Input(0))], [Define(node.Output)]);
        layer.PermuteParam = new PermuteParameter();
        layer.PermuteParam.Order.AddRange(transpose.Perm.Select(p => (uint)p));
    }

    private void LowerSlice(Node node, Slice slice)
    {
        var shape = StaticShape(node.Input(0));
        var cuts = new List<(int Axis, long First, long Count)>();
        for (var i = 0; i < slice.Axes.Length; i++)
        {
            var axis = ShapeMath.Axis(slice.Axes[i], shape.Length);
            if (slice.Steps[i] != 1)
            {
                throw new NotExpressibleException($"Caffe Slice has no step (axis {axis} step {slice.Steps[i]})");
            }

            var (first, count) = Ir.Ops.Slice.Range(shape[axis], slice.Starts[i], slice.Ends[i], 1);
            if (count == 0)
            {
                throw new NotExpressibleException($"empty slice on axis {axis}");
            }

            if (count != shape[axis])
            {
                cuts.Add((axis, first, count));
            }
        }

        var current = Blob(node.Input(0));
        if (cuts.Count == 0)
        {
            LowerIdentity(node);
            return;
        }

        var dropped = new List<string>();
        for (var i = 0; i < cuts.Count; i++)
        {
            var (axis, first, count) = cuts[i];
            var kept = i == cuts.Count - 1 ? Define(node.Output) : TempBlob($"{node.Output.Name}/slice{axis}");
            var points = new List<uint>();
            var tops = new List<string>();
            if (first > 0)
            {
                points.Add((uint)first);
                tops.Add(TempBlob($"{node.Output.Name}/before{axis}"));
            }

            tops.Add(kept);
            if (first + count < shape[axis])
            {
                points.Add((uint)(first + count));
                tops.Add(TempBlob($"{node.Output.Name}/after{axis}"));
            }

            var layer = i == cuts.Count - 1 ? Main(node, "Slice", [current], tops) : Extra(node, $"slice{axis}", "Slice", [current], tops);
            layer.SliceParam = new SliceParameter { Axis = axis };
            layer.SliceParam.SlicePoint.AddRange(points);
            dropped.AddRange(tops.Where(t => t != kept));
            current = kept;
        }

        Extra(node, "silence", "Silence", dropped, []);
    }

    private void LowerSplit(Node node, Split split)
    {
        var axis = ShapeMath.Axis(split.Axis, node.Input(0).Shape.Rank);
        if (split.Sizes.Any(s => s <= 0))
        {
            throw new NotExpressibleException("Caffe Slice cannot produce empty pieces");
        }

        var layer = Main(node, "Slice", [Blob(node.Input(0))], node.Outputs.Select(Define));
        layer.SliceParam = new SliceParameter { Axis = axis };
        long point = 0;
        foreach (var size in split.Sizes.SkipLast(1))
        {
            point += size;
            layer.SliceParam.SlicePoint.Add((uint)point);
        }
    }

    private void LowerReduce(Node node, Reduce reduce)
    {
        var shape = StaticShape(node.Input(0));
        var axes = (reduce.Axes.Length == 0 ? Enumerable.Range(0, shape.Length) : reduce.Axes.Select(a => ShapeMath.Axis(a, shape.Length)))
            .Distinct().Order().ToArray();
        var output = node.Output;
        var outShape = StaticShape(output);
        string reduced;
        long[] reducedShape;
        if (shape.Length == 4 && axes.SequenceEqual([2, 3]) && reduce.Kind is ReduceKind.Mean or ReduceKind.Max)
        {
            reducedShape = [shape[0], shape[1], 1, 1];
            reduced = reducedShape.SequenceEqual(outShape) ? Define(output) : TempBlob($"{output.Name}/pooled");
            Main(node, "Pooling", [Blob(node.Input(0))], [reduced]).PoolingParam = new PoolingParameter
            {
                Pool = reduce.Kind == ReduceKind.Max ? PoolingParameter.Types.PoolMethod.Max : PoolingParameter.Types.PoolMethod.Ave,
                GlobalPooling = true,
            };
        }
        else
        {
            var operation = reduce.Kind switch
            {
                ReduceKind.Sum => ReductionParameter.Types.ReductionOp.Sum,
                ReduceKind.Mean => ReductionParameter.Types.ReductionOp.Mean,
                ReduceKind.SumSquare => ReductionParameter.Types.ReductionOp.Sumsq,
                ReduceKind.L1 => ReductionParameter.Types.ReductionOp.Asum,
                _ => throw new NotExpressibleException($"Caffe Reduction has no {reduce.Kind}"),
            };

            // Caffe's Reduction always reduces every axis from `axis` to the last one.
            var first = axes[0];
            if (!axes.SequenceEqual(Enumerable.Range(first, shape.Length - first)))
            {
                throw new NotExpressibleException($"Caffe Reduction reduces axes {first}..{shape.Length - 1} together, the model reduces [{string.Join(",", axes)}]");
            }

            if (first == 0)
            {
                throw new NotExpressibleException("Caffe Reduction over every axis yields a 0-d blob");
            }

            reducedShape = shape[..first];
            reduced = reducedShape.SequenceEqual(outShape) ? Define(output) : TempBlob($"{output.Name}/reduced");
            Main(node, "Reduction", [Blob(node.Input(0))], [reduced]).ReductionParam = new ReductionParameter { Operation = operation, Axis = first };
        }

        if (!reducedShape.SequenceEqual(outShape))
        {
            Extra(node, "reshape", "Reshape", [reduced], [Define(output)]).ReshapeParam = new ReshapeParameter { Shape = Shape(outShape) };
        }
    }

    /// <summary>Nearest-neighbour upsampling by integer factors, as a depthwise Deconvolution with all-ones kernels.</summary>
    private void LowerResize(Node node, Resize resize)
    {
        var x = StaticShape(node.Input(0));
        var y = StaticShape(node.Output);
        if (resize.Mode != ResizeMode.Nearest || !NearestIsReplication(resize) || x.Length != 4
            || x[0] != y[0] || x[1] != y[1] || y[2] % x[2] != 0 || y[3] % x[3] != 0)
        {
            throw new NotExpressibleException($"only nearest upsampling by integer factors that repeats pixels maps to Caffe (got {resize.Mode}, {resize.Coordinates}, {resize.Rounding}, {node.Input(0).Shape} -> {node.Output.Shape})");
        }

        var sh = y[2] / x[2];
        var sw = y[3] / x[3];
        var layer = Main(node, "Deconvolution", [Blob(node.Input(0))], [Define(node.Output)]);
        layer.ConvolutionParam = new ConvolutionParameter
        {
            NumOutput = (uint)x[1],
            BiasTerm = false,
            KernelH = (uint)sh,
            KernelW = (uint)sw,
            StrideH = (uint)sh,
            StrideW = (uint)sw,
            Group = (uint)x[1],
        };
        var ones = new float[x[1] * sh * sw];
        Array.Fill(ones, 1f);
        layer.Blobs.Add(Weights(ones, x[1], 1, sh, sw));
    }

    /// <summary>
    /// Whether nearest sampling at an integer factor s picks source index floor(dst / s): true for
    /// asymmetric/floor, half-pixel with round-to-nearest (the source coordinate stays strictly within
    /// ±0.5 of it) and TF half-pixel with floor.
    /// </summary>
    private static bool NearestIsReplication(Resize resize) => resize.Coordinates switch
    {
        CoordinateTransform.Asymmetric => resize.Rounding == NearestRounding.Floor,
        CoordinateTransform.HalfPixel or CoordinateTransform.PytorchHalfPixel =>
            resize.Rounding is NearestRounding.RoundPreferFloor or NearestRounding.RoundPreferCeil,
        CoordinateTransform.TfHalfPixelForNearest => resize.Rounding == NearestRounding.Floor,
        _ => false,
    };
}
