using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using TensorType = MgeConvert.Formats.TFLite.Schema.TensorType;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TFLite;

internal sealed partial class TFLiteLowering
{
    /// <summary>
    /// The layout a reduction over <paramref name="axes"/> runs in: channels-last if the input lives there and
    /// the result is either 4-D again or its remaining axes keep the IR order.
    /// </summary>
    private Layout ReduceLayout(Value x, IEnumerable<int> axes, bool keepDims)
    {
        if (AxisOpLayout(x) != Layout.Nhwc)
        {
            return Layout.Ir;
        }

        if (keepDims)
        {
            return Layout.Nhwc;
        }

        var reduced = axes.ToHashSet();
        var remaining = NhwcLayout.ToNhwc.Where(a => !reduced.Contains(a)).ToArray();
        return remaining.SequenceEqual(remaining.Order()) ? Layout.Nhwc : Layout.Ir;
    }

    /// <summary>Result layout of a reduction computed in <paramref name="layout"/>.</summary>
    private static Layout ResultLayout(Layout layout, bool keepDims) => layout == Layout.Nhwc && keepDims ? Layout.Nhwc : Layout.Ir;

    private void LowerReduce(Node node, Reduce r)
    {
        var x = node.Input(0);
        var rank = x.Shape.Rank;
        var axes = r.Axes.Length == 0 ? Enumerable.Range(0, rank).ToArray() : r.Axes.Select(a => ShapeMath.Axis(a, rank)).ToArray();
        var layout = ReduceLayout(x, axes, r.KeepDims);
        var mapped = axes.Select(a => layout == Layout.Nhwc ? NhwcLayout.Axis(a) : a).ToArray();
        var input = Get(x, layout);
        var (code, pre, post) = r.Kind switch
        {
            ReduceKind.Sum => (BuiltinOperator.SUM, (BuiltinOperator?)null, (BuiltinOperator?)null),
            ReduceKind.Mean => (BuiltinOperator.MEAN, null, null),
            ReduceKind.Max => (BuiltinOperator.REDUCE_MAX, null, null),
            ReduceKind.Min => (BuiltinOperator.REDUCE_MIN, null, null),
            ReduceKind.Prod => (BuiltinOperator.REDUCE_PROD, null, null),
            ReduceKind.SumSquare => (BuiltinOperator.SUM, BuiltinOperator.SQUARE, null),
            ReduceKind.L1 => (BuiltinOperator.SUM, BuiltinOperator.ABS, null),
            ReduceKind.L2 => (BuiltinOperator.SUM, BuiltinOperator.SQUARE, BuiltinOperator.SQRT),
            ReduceKind.LogSum => (BuiltinOperator.SUM, null, BuiltinOperator.LOG),
            ReduceKind.LogSumExp => (BuiltinOperator.SUM, BuiltinOperator.EXP, BuiltinOperator.LOG),
            _ => throw new NotExpressibleException($"reduce {r.Kind}"),
        };
        if (pre is not null || post is not null)
        {
            RequireFloat(x, $"Reduce{r.Kind}");
        }

        if (pre is { } p)
        {
            var t = Temp($"{node.Name}_pre", input);
            _b.AddOperator(p, [input.Index], [t.Index]);
            input = t;
        }

        if (post is { } q)
        {
            var reduced = Temp($"{node.Name}_reduced", input, ReducedShape(input.Shape, mapped, r.KeepDims));
            AddReduce(code, input, reduced, mapped, r.KeepDims, node.Name);
            var output = Output(node.Output, ResultLayout(layout, r.KeepDims));
            _b.AddOperator(q, [reduced.Index], [output.Index]);
            return;
        }

        EmitReduce(node.Output, input, mapped, r.KeepDims, layout, code);
    }

    private void EmitReduce(Value result, TFLiteTensor input, int[] axes, bool keepDims, Layout layout, BuiltinOperator code)
    {
        var output = Output(result, ResultLayout(layout, keepDims));
        AddReduce(code, input, output, axes, keepDims, result.Name);
    }

    private void AddReduce(BuiltinOperator code, TFLiteTensor input, TFLiteTensor output, int[] axes, bool keepDims, string name)
    {
        var axisTensor = _b.AddInt32Vector($"{name}_axes", axes);
        _b.AddOperator(code, [input.Index, axisTensor.Index], [output.Index], BuiltinOptions.ReducerOptions,
            fb => ReducerOptions.CreateReducerOptions(fb, keepDims).Value);
    }

    private static int[] ReducedShape(int[] shape, int[] axes, bool keepDims) =>
        [.. shape.Select((d, i) => axes.Contains(i) ? (keepDims ? 1 : -1) : d).Where(d => d >= 0)];

    private void LowerArgReduce(Node node, ArgReduce a)
    {
        if (a.SelectLastIndex)
        {
            throw new NotExpressibleException("select_last_index");
        }

        var x = node.Input(0);
        var rank = x.Shape.Rank;
        var axis = ShapeMath.Axis(a.Axis, rank);
        var layout = ReduceLayout(x, [axis], false);
        var input = Get(x, layout);
        var mapped = layout == Layout.Nhwc ? NhwcLayout.Axis(axis) : axis;
        var axisTensor = _b.AddInt32Vector($"{node.Name}_axis", mapped);
        var dropped = ReducedShape(input.Shape, [mapped], false);
        var target = a.KeepDims ? _b.AddTensor($"{node.Name}_flat", TensorType.INT64, dropped) : Output(node.Output, Layout.Ir);
        _b.AddOperator(a.IsMax ? BuiltinOperator.ARG_MAX : BuiltinOperator.ARG_MIN, [input.Index, axisTensor.Index], [target.Index],
            a.IsMax ? BuiltinOptions.ArgMaxOptions : BuiltinOptions.ArgMinOptions,
            fb => a.IsMax ? ArgMaxOptions.CreateArgMaxOptions(fb, TensorType.INT64).Value : ArgMinOptions.CreateArgMinOptions(fb, TensorType.INT64).Value);
        if (a.KeepDims)
        {
            Reshape(target, Output(node.Output, Layout.Ir));
        }
    }

    private void LowerTopK(Node node, TopK t)
    {
        var x = node.Input(0);
        var rank = x.Shape.Rank;
        if (ShapeMath.Axis(t.Axis, rank) != rank - 1 || !t.Largest)
        {
            throw new NotExpressibleException("TOPK_V2 takes the largest values along the last axis only");
        }

        var input = Get(x, Layout.Ir);
        var values = Output(node.Outputs[0], Layout.Ir);
        var indices32 = _b.AddTensor($"{node.Outputs[1].Name}_i32", TensorType.INT32, IrShape(node.Outputs[1].Shape));
        var k = _b.AddInt32Constant($"{node.Name}_k", [], (int)t.K);
        _b.AddOperator(BuiltinOperator.TOPK_V2, [input.Index, k.Index], [values.Index, indices32.Index]);
        var indices = Output(node.Outputs[1], Layout.Ir);
        _b.AddOperator(BuiltinOperator.CAST, [indices32.Index], [indices.Index], BuiltinOptions.CastOptions,
            fb => CastOptions.CreateCastOptions(fb, TensorType.INT32, indices.Type).Value);
    }

    private void LowerSoftmax(Node node, long axis, BuiltinOperator code)
    {
        var x = node.Input(0);
        var rank = x.Shape.Rank;
        var layout = AxisOpLayout(x);
        var input = Get(x, layout);
        var a = MapAxis(axis, rank, layout);
        var output = Output(node.Output, layout);
        Func<Google.FlatBuffers.FlatBufferBuilder, int>? options = code == BuiltinOperator.SOFTMAX
            ? fb => SoftmaxOptions.CreateSoftmaxOptions(fb, 1f).Value
            : null;
        var optionsType = code == BuiltinOperator.SOFTMAX ? BuiltinOptions.SoftmaxOptions : BuiltinOptions.NONE;
        if (a == rank - 1)
        {
            _b.AddOperator(code, [input.Index], [output.Index], optionsType, options);
            return;
        }

        // TFLite normalizes the last axis only: swap the axis there and back.
        var perm = Enumerable.Range(0, rank).ToArray();
        (perm[a], perm[rank - 1]) = (perm[rank - 1], perm[a]);
        var permTensor = _b.AddInt32Vector($"{node.Name}_perm", perm);
        var swapped = Temp($"{node.Name}_swapped", input, NhwcLayout.Permute(input.Shape, perm));
        var normalized = Temp($"{node.Name}_normalized", swapped);
        _b.AddOperator(BuiltinOperator.TRANSPOSE, [input.Index, permTensor.Index], [swapped.Index]);
        _b.AddOperator(code, [swapped.Index], [normalized.Index], optionsType, options);
        _b.AddOperator(BuiltinOperator.TRANSPOSE, [normalized.Index, permTensor.Index], [output.Index]);
        InternalTransposes += 2;
    }

    private void LowerLayerNorm(Node node, LayerNorm ln)
    {
        var x = node.Input(0);
        var rank = x.Shape.Rank;
        var first = ShapeMath.Axis(ln.Axis, rank);
        Normalize(node, Layout.Ir, [.. Enumerable.Range(first, rank - first)], ln.Epsilon,
            node.InputOrNull(1), node.InputOrNull(2), rank);
    }

    private void LowerInstanceNorm(Node node, InstanceNorm n)
    {
        var x = node.Input(0);
        var rank = x.Shape.Rank;
        var layout = AxisOpLayout(x);
        var axes = Enumerable.Range(2, rank - 2).Select(a => layout == Layout.Nhwc ? NhwcLayout.Axis(a) : a).ToArray();
        Normalize(node, layout, axes, n.Epsilon, node.Input(1), node.Input(2), rank, perChannel: true);
    }

    /// <summary>(x - mean) / sqrt(var + eps) over <paramref name="axes"/>, then · scale + bias.</summary>
    private void Normalize(Node node, Layout layout, int[] axes, float epsilon, Value? scale, Value? bias, int rank, bool perChannel = false)
    {
        var x = node.Input(0);
        RequireFloat(x, node.Op.Name);
        var input = Get(x, layout);
        var stats = ReducedShape(input.Shape, axes, true);
        var mean = Temp($"{node.Name}_mean", input, stats);
        AddReduce(BuiltinOperator.MEAN, input, mean, axes, true, $"{node.Name}_mean");
        var centered = Temp($"{node.Name}_centered", input);
        _b.AddOperator(BuiltinOperator.SUB, [input.Index, mean.Index], [centered.Index]);
        var squared = Temp($"{node.Name}_squared", input);
        _b.AddOperator(BuiltinOperator.MUL, [centered.Index, centered.Index], [squared.Index]);
        var variance = Temp($"{node.Name}_var", input, stats);
        AddReduce(BuiltinOperator.MEAN, squared, variance, axes, true, $"{node.Name}_var");
        var shifted = Temp($"{node.Name}_var_eps", variance);
        _b.AddOperator(BuiltinOperator.ADD, [variance.Index, Scalar($"{node.Name}_eps", epsilon).Index], [shifted.Index]);
        var inverse = Temp($"{node.Name}_rstd", variance);
        _b.AddOperator(BuiltinOperator.RSQRT, [shifted.Index], [inverse.Index]);
        var steps = new List<(BuiltinOperator Code, TFLiteTensor Operand)>();
        if (scale is not null)
        {
            steps.Add((BuiltinOperator.MUL, AffineParameter(scale, layout, rank, perChannel)));
        }

        if (bias is not null)
        {
            steps.Add((BuiltinOperator.ADD, AffineParameter(bias, layout, rank, perChannel)));
        }

        var output = Output(node.Output, layout);
        var current = centered;
        var last = steps.Count == 0 ? output : Temp($"{node.Name}_normalized", input);
        _b.AddOperator(BuiltinOperator.MUL, [current.Index, inverse.Index], [last.Index]);
        for (var i = 0; i < steps.Count; i++)
        {
            var target = i == steps.Count - 1 ? output : Temp($"{node.Name}_affine{i}", input);
            _b.AddOperator(steps[i].Code, [last.Index, steps[i].Operand.Index], [target.Index]);
            last = target;
        }
    }

    private TFLiteTensor AffineParameter(Value p, Layout layout, int rank, bool perChannel)
    {
        if (!p.IsConstant)
        {
            throw new NotExpressibleException($"normalization parameter {p.Name} must be constant");
        }

        var values = p.Constant!.ToFloats();
        if (!perChannel)
        {
            return _b.AddFloatConstant(p.Name, IrShape(p.Shape), values);
        }

        var shape = layout == Layout.Nhwc ? [values.Length] : new[] { values.Length }.Concat(Enumerable.Repeat(1, rank - 2)).ToArray();
        return _b.AddFloatConstant(p.Name, shape, values);
    }
}
