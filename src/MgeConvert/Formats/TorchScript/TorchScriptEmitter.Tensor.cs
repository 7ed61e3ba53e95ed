using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Formats.TorchScript.TorchScriptLiterals;

namespace MgeConvert.Formats.TorchScript;

internal sealed partial class TorchScriptEmitter
{
    private bool LowerTensorOp(Node node) => node.Op switch
    {
        Reshape reshape => Single(node, Call("reshape", X(node, 0), Ints(ReshapeTarget(node, reshape)))),
        Flatten flatten => LowerFlatten(node, flatten),
        Transpose transpose => Single(node, Call("permute", X(node, 0), Ints(transpose.Perm))),
        Squeeze squeeze => LowerSqueeze(node, squeeze),
        Unsqueeze unsqueeze => LowerUnsqueeze(node, unsqueeze),
        Tile tile => Single(node, Call("repeat", X(node, 0), Ints(tile.Repeats))),
        Expand => Single(node, Call("expand", X(node, 0), Ints(node.Output.Shape.Select(d => d < 0 ? -1 : d)))),
        ShapeOf => Single(node, Call("_shape_as_tensor", X(node, 0))),
        Concat concat => Single(node, Call("cat", "[" + string.Join(", ", node.Inputs.Select(v => Ref(v!))) + "]", Int(concat.Axis))),
        Split split => LowerSplit(node, split),
        Slice slice => LowerSlice(node, slice),
        Gather gather => LowerGather(node, gather),
        GatherElements gather => Single(node, Call("gather", X(node, 0), Int(gather.Axis), Call("to", X(node, 1), "4"))),
        Pad pad => LowerPad(node, pad),
        Reduce reduce => LowerReduce(node, reduce),
        ArgReduce arg when !arg.SelectLastIndex => Single(node, Call(arg.IsMax ? "argmax" : "argmin", X(node, 0), Int(arg.Axis), Bool(arg.KeepDims))),
        TopK topk => LowerTopK(node, topk),
        _ => false,
    };

    private bool LowerFlatten(Node node, Flatten flatten)
    {
        var rank = node.Input(0).Shape.Rank;
        var axis = flatten.Axis < 0 ? flatten.Axis + rank : flatten.Axis;
        var x = X(node, 0);
        return Single(node, axis switch
        {
            0 => Call("reshape", x, "[1, -1]"),
            1 when rank > 1 => Call("flatten", x, "1", "-1"),
            _ when axis < rank => Call("flatten", Call("flatten", x, Int(axis), "-1"), "0", Int(axis - 1)),
            _ => Call("reshape", x, "[-1, 1]"),
        });
    }

    private bool LowerSqueeze(Node node, Squeeze squeeze)
    {
        var shape = node.Input(0).Shape;
        var axes = squeeze.Axes.Length == 0
            ? Enumerable.Range(0, shape.Rank).Where(i => shape[i] == 1).ToArray()
            : [.. squeeze.Axes.Select(a => ShapeMath.Axis(a, shape.Rank))];
        var y = Out(node);
        Let(y, X(node, 0));
        foreach (var axis in axes.Distinct().OrderDescending())
        {
            Let(y, Call("squeeze", y, Int(axis)));
        }

        return true;
    }

    private bool LowerUnsqueeze(Node node, Unsqueeze unsqueeze)
    {
        var rank = node.Output.Shape.Rank;
        var y = Out(node);
        Let(y, X(node, 0));
        foreach (var axis in unsqueeze.Axes.Select(a => ShapeMath.Axis(a, rank)).Order())
        {
            Let(y, Call("unsqueeze", y, Int(axis)));
        }

        return true;
    }

    private static long[] StaticOutput(Node node)
    {
        var shape = node.Output.Shape;
        if (!shape.HasRank)
        {
            throw new NotExpressibleException("output rank unknown");
        }

        var dims = shape.ToArray();
        if (dims.Count(d => d < 0) > 1)
        {
            throw new NotExpressibleException($"output shape {shape} has more than one unknown dim");
        }

        return dims;
    }

    private static long[] ReshapeTarget(Node node, Reshape reshape)
    {
        var shape = node.Output.Shape;
        if (shape.HasRank && shape.Count(d => d < 0) <= 1)
        {
            return shape.ToArray();
        }

        if (reshape.AllowZero || !reshape.TargetShape.Contains(0))
        {
            return reshape.TargetShape;
        }

        throw new NotExpressibleException("reshape copying unknown input dims");
    }

    private bool LowerSplit(Node node, Split split)
    {
        var parts = Temp();
        Let(parts, Call("split_with_sizes", X(node, 0), Ints(split.Sizes), Int(split.Axis)));
        for (var i = 0; i < node.Outputs.Count; i++)
        {
            Let(Out(node, i), $"{parts}[{i}]");
        }

        return true;
    }

    private bool LowerSlice(Node node, Slice slice)
    {
        var shape = node.Input(0).Shape;
        var y = Out(node);
        var current = X(node, 0);
        for (var i = 0; i < slice.Axes.Length; i++)
        {
            var axis = ShapeMath.Axis(slice.Axes[i], shape.Rank);
            var dim = shape[axis];
            var step = slice.Steps[i];
            string expression;
            if (dim < 0)
            {
                if (step < 0)
                {
                    throw new NotExpressibleException("negative slice step on an axis of unknown length");
                }

                expression = Call("slice", current, Int(axis), Int(slice.Starts[i]), Int(slice.Ends[i]), Int(step));
            }
            else
            {
                var (first, count) = Slice.Range(dim, slice.Starts[i], slice.Ends[i], step);
                if (count == dim && step == 1)
                {
                    continue;
                }

                if (step > 0)
                {
                    expression = Call("slice", current, Int(axis), Int(first), Int(count == 0 ? first : first + ((count - 1) * step) + 1), Int(step));
                }
                else
                {
                    var mirrored = dim - 1 - first;
                    expression = Call("slice", Call("flip", current, Ints([axis])), Int(axis), Int(mirrored),
                        Int(count == 0 ? mirrored : mirrored + ((count - 1) * -step) + 1), Int(-step));
                }
            }

            Let(y, expression);
            current = y;
        }

        if (current != y)
        {
            Let(y, Call("clone", current));
        }

        return true;
    }

    private bool LowerGather(Node node, Gather gather)
    {
        var data = node.Input(0).Shape;
        var axis = ShapeMath.Axis(gather.Axis, data.Rank);
        var indices = node.Input(1);
        string index;
        if (indices.Constant is { } constant)
        {
            var dim = data[axis];
            var values = constant.ToInt64s();
            if (values.Any(v => v < 0) && dim < 0)
            {
                throw new NotExpressibleException("negative gather indices on an axis of unknown length");
            }

            var attr = Unique(Identifier("c_", indices.Name));
            Attributes.Add((attr, Tensor.FromInt64s(new Shape(values.Length), [.. values.Select(v => v < 0 ? v + dim : v)])));
            index = "self." + attr;
        }
        else
        {
            index = Call("reshape", X(node, 1), "[-1]");
            if (data[axis] >= 0)
            {
                index = Call("remainder", index, Int(data[axis]));
            }
        }

        var picked = Call("index_select", X(node, 0), Int(axis), index);
        var outShape = node.Output.Shape;
        var target = data.Take(axis).Concat(indices.Shape).Concat(data.Skip(axis + 1)).ToArray();
        if (target.Count(d => d < 0) > 1 || outShape.Count(d => d < 0) > 1)
        {
            throw new NotExpressibleException($"gather output {outShape} has more than one unknown dim");
        }

        return Single(node, Call("reshape", picked, Ints(target)));
    }

    private bool LowerPad(Node node, Pad pad)
    {
        var rank = node.Input(0).Shape.Rank;
        var begins = pad.Pads[..rank];
        var ends = pad.Pads[rank..];
        if (pad.Mode == PadMode.Constant)
        {
            return Single(node, Call("constant_pad_nd", X(node, 0), Ints(TorchPads(begins, ends)), Float(pad.ConstantValue)));
        }

        var firstPadded = Enumerable.Range(0, rank).FirstOrDefault(i => begins[i] != 0 || ends[i] != 0, rank);
        var n = Math.Max(rank - firstPadded, 1);
        if (n > 3 || rank < n + 1 || rank > n + 2 || begins.Concat(ends).Any(p => p < 0))
        {
            throw new NotExpressibleException($"{pad.Mode} padding of axes {firstPadded}..{rank - 1} of a rank-{rank} tensor");
        }

        var kind = pad.Mode == PadMode.Reflect ? "reflection" : "replication";
        return Single(node, Call($"{kind}_pad{n}d", X(node, 0), Ints(TorchPads(begins[(rank - n)..], ends[(rank - n)..]))));
    }

    private bool LowerReduce(Node node, Reduce reduce)
    {
        var rank = node.Input(0).Shape.Rank;
        var axes = (reduce.Axes.Length == 0 ? Enumerable.Range(0, rank).Select(a => (long)a) : reduce.Axes.Select(a => (long)ShapeMath.Axis(a, rank)))
            .Order().ToArray();
        var x = X(node, 0);
        var dims = Ints(axes);
        var keep = Bool(reduce.KeepDims);
        var y = Out(node);
        switch (reduce.Kind)
        {
            case ReduceKind.Sum: Let(y, Call("sum", x, dims, keep)); break;
            case ReduceKind.Mean: Let(y, Call("mean", x, dims, keep)); break;
            case ReduceKind.Max: Let(y, Call("amax", x, dims, keep)); break;
            case ReduceKind.Min: Let(y, Call("amin", x, dims, keep)); break;
            case ReduceKind.SumSquare: Let(y, Call("sum", Call("mul", x, x), dims, keep)); break;
            case ReduceKind.L1: Let(y, Call("sum", Call("abs", x), dims, keep)); break;
            case ReduceKind.L2: Let(y, Call("sqrt", Call("sum", Call("mul", x, x), dims, keep))); break;
            case ReduceKind.LogSum: Let(y, Call("log", Call("sum", x, dims, keep))); break;
            case ReduceKind.LogSumExp: Let(y, Call("logsumexp", x, dims, keep)); break;
            case ReduceKind.Prod:
                Let(y, x);
                foreach (var axis in axes.Reverse())
                {
                    Let(y, Call("prod", y, Int(axis), keep));
                }

                break;
            default: throw new NotExpressibleException($"reduction {reduce.Kind}");
        }

        return true;
    }

    private bool LowerTopK(Node node, TopK topk)
    {
        var pair = Temp();
        Let(pair, Call("topk", X(node, 0), Int(topk.K), Int(topk.Axis), Bool(topk.Largest), Bool(topk.Sorted)));
        Let(Out(node, 0), $"{pair}[0]");
        if (node.Outputs.Count > 1)
        {
            Let(Out(node, 1), $"{pair}[1]");
        }

        return true;
    }
}
