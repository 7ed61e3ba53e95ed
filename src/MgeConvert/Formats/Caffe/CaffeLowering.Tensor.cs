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
            ReshapeTo(StaticShape(node.Output));

    /// <summary>A Reshape target; a 0-d IR value becomes a one-element blob, since OpenCV cannot hold 0-d blobs.</summary>
    private static ReshapeParameter ReshapeTo(long[] dims) => new() { Shape = Shape(dims.Length == 0 ? [1] : dims) };

    private void LowerTranspose(Node node, Transpose transpose)
    {
        var layer = Main(node, "Permute", [Blob(node.Input(0))], [Define(node.Output)]);
        layer.PermuteParam = new PermuteParameter();
        layer.PermuteParam.Order.AddRange(transpose.Perm.Select(p => (uint)p));
    }

    /// <summary>
    /// Strided slices: a Slice layer cuts the covered range of each axis; a step k > 1 then picks every
    /// k-th element with a 1x1 max pooling of stride k over the view (outer, 1, length, inner).
    /// </summary>
    private void LowerSlice(Node node, Slice slice)
    {
        var shape = StaticShape(node.Input(0));
        var cuts = new List<(int Axis, long First, long Length, long Step)>();
        for (var i = 0; i < slice.Axes.Length; i++)
        {
            var axis = ShapeMath.Axis(slice.Axes[i], shape.Length);
            if (slice.Steps[i] < 1)
            {
                throw new NotExpressibleException($"Caffe cannot slice backwards (axis {axis} step {slice.Steps[i]})");
            }

            var (first, count) = Ir.Ops.Slice.Range(shape[axis], slice.Starts[i], slice.Ends[i], slice.Steps[i]);
            if (count == 0)
            {
                throw new NotExpressibleException($"empty slice on axis {axis}");
            }

            var step = count == 1 ? 1 : slice.Steps[i];
            if (count != shape[axis])
            {
                cuts.Add((axis, first, ((count - 1) * step) + 1, step));
            }
        }

        if (cuts.Count == 0)
        {
            LowerIdentity(node);
            return;
        }

        var current = Blob(node.Input(0));
        var dims = (long[])shape.Clone();
        var dropped = new List<string>();
        var output = node.Output.Name;
        var outputBlob = Define(node.Output);
        for (var i = 0; i < cuts.Count; i++)
        {
            var (axis, first, length, step) = cuts[i];
            var lastCut = i == cuts.Count - 1;
            if (length != dims[axis])
            {
                var kept = lastCut && step == 1 ? outputBlob : TempBlob($"{output}/slice{axis}");
                var tops = new List<string>();
                var points = new List<uint>();
                if (first > 0)
                {
                    points.Add((uint)first);
                    tops.Add(TempBlob($"{output}/before{axis}"));
                }

                tops.Add(kept);
                if (first + length < dims[axis])
                {
                    points.Add((uint)(first + length));
                    tops.Add(TempBlob($"{output}/after{axis}"));
                }

                var layer = kept == outputBlob ? Main(node, "Slice", [current], tops) : Extra(node, $"slice{axis}", "Slice", [current], tops);
                layer.SliceParam = new SliceParameter { Axis = axis };
                layer.SliceParam.SlicePoint.AddRange(points);
                dropped.AddRange(tops.Where(t => t != kept));
                current = kept;
                dims[axis] = length;
            }

            if (step > 1)
            {
                var outer = dims[..axis].Aggregate(1L, (p, d) => p * d);
                var inner = dims[(axis + 1)..].Aggregate(1L, (p, d) => p * d);
                var picked = (length + step - 1) / step;
                var view = TempBlob($"{output}/view{axis}");
                Extra(node, $"view{axis}", "Reshape", [current], [view]).ReshapeParam = new ReshapeParameter { Shape = Shape([outer, 1, length, inner]) };
                var strided = TempBlob($"{output}/stride{axis}");
                Extra(node, $"stride{axis}", "Pooling", [view], [strided]).PoolingParam = new PoolingParameter
                {
                    Pool = PoolingParameter.Types.PoolMethod.Max,
                    KernelH = 1,
                    KernelW = 1,
                    StrideH = (uint)step,
                    StrideW = 1,
                };
                dims[axis] = picked;
                var back = lastCut ? outputBlob : TempBlob($"{output}/strided{axis}");
                var reshape = lastCut ? Main(node, "Reshape", [strided], [back]) : Extra(node, $"unview{axis}", "Reshape", [strided], [back]);
                reshape.ReshapeParam = new ReshapeParameter { Shape = Shape(dims) };
                current = back;
            }
        }

        if (dropped.Count > 0)
        {
            Extra(node, "silence", "Silence", dropped, []);
        }
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

    /// <summary>
    /// Reductions over one contiguous block of axes, as pooling: spatial axes of a 4-D input directly (a global
    /// pooling for both), others on the input viewed as (outer, 1, reduced, inner) with a (reduced x 1) window.
    /// Caffe's Reduction layer is not used: it can only reduce all trailing axes, and OpenCV cannot read it.
    /// </summary>
    private void LowerReduce(Node node, Reduce reduce)
    {
        var shape = StaticShape(node.Input(0));
        var axes = (reduce.Axes.Length == 0 ? Enumerable.Range(0, shape.Length) : reduce.Axes.Select(a => ShapeMath.Axis(a, shape.Length)))
            .Distinct().Order().ToArray();
        if (axes.Length == 0 || axes[^1] - axes[0] + 1 != axes.Length)
        {
            throw new NotExpressibleException($"Caffe can only reduce one contiguous block of axes, got [{string.Join(",", axes)}]");
        }

        var outer = shape[..axes[0]].Aggregate(1L, (p, d) => p * d);
        var reduced = shape[axes[0]..(axes[^1] + 1)].Aggregate(1L, (p, d) => p * d);
        var inner = shape[(axes[^1] + 1)..].Aggregate(1L, (p, d) => p * d);
        var (pre, pool, post) = reduce.Kind switch
        {
            ReduceKind.Mean => (null, PoolingParameter.Types.PoolMethod.Ave, null),
            ReduceKind.Max => (null, PoolingParameter.Types.PoolMethod.Max, null),
            ReduceKind.Min => (Step("negate", "Power", new PowerParameter { Scale = -1 }), PoolingParameter.Types.PoolMethod.Max,
                Step("negate_back", "Power", new PowerParameter { Scale = -1 })),
            ReduceKind.Sum => (null, PoolingParameter.Types.PoolMethod.Ave, Step("sum", "Power", new PowerParameter { Scale = reduced })),
            ReduceKind.SumSquare => (Step("square", "Power", new PowerParameter { Power = 2 }), PoolingParameter.Types.PoolMethod.Ave,
                Step("sum", "Power", new PowerParameter { Scale = reduced })),
            ReduceKind.L1 => (Step("abs", "AbsVal", null), PoolingParameter.Types.PoolMethod.Ave,
                Step("sum", "Power", new PowerParameter { Scale = reduced })),
            _ => throw new NotExpressibleException($"Caffe has no reduction {reduce.Kind}"),
        };

        var spatial = shape.Length == 4 && axes[0] >= 2;
        var global = spatial && axes.Length == 2;
        var steps = new List<(string Suffix, string Type, Action<LayerParameter>? Configure)>();
        if (pre is not null)
        {
            steps.Add(pre.Value);
        }

        if (!spatial)
        {
            steps.Add(("view", "Reshape", l => l.ReshapeParam = new ReshapeParameter { Shape = Shape([outer, 1, reduced, inner]) }));
        }

        steps.Add(("pool", "Pooling", l => l.PoolingParam = global
            ? new PoolingParameter { Pool = pool, GlobalPooling = true }
            : spatial
                ? new PoolingParameter { Pool = pool, KernelH = (uint)(axes[0] == 2 ? shape[2] : 1), KernelW = (uint)(axes[^1] == 3 ? shape[3] : 1), StrideH = 1, StrideW = 1 }
                : new PoolingParameter { Pool = pool, KernelH = (uint)reduced, KernelW = 1, StrideH = 1, StrideW = 1 }));
        if (post is not null)
        {
            steps.Add(post.Value);
        }

        long[] pooledShape = spatial ? [shape[0], shape[1], axes[0] == 2 ? 1 : shape[2], axes[^1] == 3 ? 1 : shape[3]] : [outer, 1, 1, inner];
        if (!pooledShape.SequenceEqual(StaticShape(node.Output)))
        {
            steps.Add(("reshape", "Reshape", l => l.ReshapeParam = ReshapeTo(StaticShape(node.Output))));
        }

        Chain(node, Blob(node.Input(0)), Define(node.Output), steps);
    }

    private static (string Suffix, string Type, Action<LayerParameter>? Configure)? Step(string suffix, string type, PowerParameter? power) =>
        (suffix, type, power is null ? null : l => l.PowerParam = power);

    /// <summary>Layers applied one after another; the last one carries the node's name and writes <paramref name="output"/>.</summary>
    private void Chain(Node node, string input, string output, IReadOnlyList<(string Suffix, string Type, Action<LayerParameter>? Configure)> steps)
    {
        var current = input;
        for (var i = 0; i < steps.Count; i++)
        {
            var (suffix, type, configure) = steps[i];
            var last = i == steps.Count - 1;
            var top = last ? output : TempBlob($"{output}/{suffix}");
            var layer = last ? Main(node, type, [current], [top]) : Extra(node, suffix, type, [current], [top]);
            configure?.Invoke(layer);
            current = top;
        }
    }

    /// <summary>Nearest-neighbour upsampling by integer factors, as a depthwise Deconvolution with all-ones kernels.</summary>
    private void LowerResize(Node node, Resize resize)
    {
        var x = StaticShape(node.Input(0));
        var y = StaticShape(node.Output);
        if (x.SequenceEqual(y))
        {
            // Every mode samples exactly the source pixels when the size does not change.
            LowerIdentity(node);
            return;
        }

        if (TryLowerNearestDownsample(node, resize, x, y))
        {
            return;
        }

        if (resize.Mode != ResizeMode.Nearest || !NearestIsReplication(resize) || x.Length != 4
            || x[0] != y[0] || x[1] != y[1] || y[2] % x[2] != 0 || y[3] % x[3] != 0)
        {
            LowerResizeAsMatrix(node, resize, x, y);
            return;
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

    private void LowerExpand(Node node)
    {
        var inShape = StaticShape(node.Input(0));
        var outShape = StaticShape(node.Output);
        var aligned = new long[outShape.Length];
        Array.Fill(aligned, 1);
        inShape.CopyTo(aligned, outShape.Length - inShape.Length);
        var input = Blob(node.Input(0));
        if (aligned.Length != inShape.Length)
        {
            input = TempBlob($"{node.Output.Name}/aligned");
            Extra(node, "align", "Reshape", [Blob(node.Input(0))], [input]).ReshapeParam = new ReshapeParameter { Shape = Shape(aligned) };
        }

        EmitRepeat(node, input, [.. outShape.Select((d, i) => aligned[i] == d ? 1 : d)]);
    }

    private void LowerRepeat(Node node, long[] repeats) => EmitRepeat(node, Blob(node.Input(0)), repeats);

    /// <summary>Tiling as Concat layers that take the same bottom several times (one per repeated axis).</summary>
    private void EmitRepeat(Node node, string input, long[] repeats)
    {
        var axes = Enumerable.Range(0, repeats.Length).Where(a => repeats[a] != 1).ToArray();
        if (axes.Any(a => repeats[a] < 1))
        {
            throw new NotExpressibleException("Caffe cannot repeat an axis zero times");
        }

        if (axes.Length == 0)
        {
            Power(node, null, input, Define(node.Output));
            return;
        }

        var current = input;
        foreach (var axis in axes)
        {
            var last = axis == axes[^1];
            var top = last ? Define(node.Output) : TempBlob($"{node.Output.Name}/tile{axis}");
            var layer = last ? Main(node, "Concat", Enumerable.Repeat(current, (int)repeats[axis]), [top])
                : Extra(node, $"tile{axis}", "Concat", Enumerable.Repeat(current, (int)repeats[axis]), [top]);
            layer.ConcatParam = new ConcatParameter { Axis = axis };
            current = top;
        }
    }
}
