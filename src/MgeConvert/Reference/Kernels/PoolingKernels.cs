using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Windowed, global and adaptive max/average pooling over the spatial axes of (N, C, spatial...).</summary>
internal static class PoolingKernels
{
    public static void Register(KernelTable table)
    {
        table.Add<Pool>(Pool);
        table.Add<GlobalPool>(GlobalPool);
        table.Add<AdaptivePool>(AdaptivePool);
    }

    /// <summary>One output position's window along one axis: the valid input range and the divisor counting pads.</summary>
    private readonly record struct Window(long Start, long End, long PaddedCount);

    private static Tensor[] Pool(Pool op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var n = op.Kernel.Length;
        var windows = new Window[n][];
        for (var axis = 0; axis < n; axis++)
        {
            var length = dims[axis + 2];
            var padBegin = op.Pads[axis];
            var padEnd = op.Pads[axis + n];
            var count = ShapeMath.WindowOutput(length, op.Kernel[axis], op.Strides[axis], padBegin, padEnd, 1, op.CeilMode);
            windows[axis] = new Window[count];
            for (var i = 0; i < count; i++)
            {
                var start = (i * op.Strides[axis]) - padBegin;
                var end = start + op.Kernel[axis];
                var padded = Math.Min(end, length + padEnd) - start;
                windows[axis][i] = new Window(Math.Max(start, 0), Math.Min(end, length), padded);
            }
        }

        return [Run(op.Kind, x, windows, op.CountIncludePad, context)];
    }

    private static Tensor[] GlobalPool(GlobalPool op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var windows = new Window[dims.Length - 2][];
        for (var axis = 0; axis < windows.Length; axis++)
        {
            windows[axis] = [new Window(0, dims[axis + 2], dims[axis + 2])];
        }

        return [Run(op.Kind, x, windows, false, context)];
    }

    private static Tensor[] AdaptivePool(AdaptivePool op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var windows = new Window[op.OutputSize.Length][];
        for (var axis = 0; axis < windows.Length; axis++)
        {
            var length = dims[axis + 2];
            var count = op.OutputSize[axis];
            windows[axis] = new Window[count];
            for (var i = 0; i < count; i++)
            {
                var start = i * length / count;
                var end = (((i + 1) * length) + count - 1) / count;
                windows[axis][i] = new Window(start, end, end - start);
            }
        }

        return [Run(op.Kind, x, windows, false, context)];
    }

    /// <summary>Pools every (batch, channel) plane over the per-axis windows (1-D and 2-D padded to 3-D).</summary>
    private static Tensor Run(PoolKind kind, Tensor x, Window[][] windows, bool countIncludePad, KernelContext context)
    {
        var dims = x.Shape.ToArray();
        var values = TensorValues.Reals(x);
        var spatial = windows.Length;
        var unit = new[] { new Window(0, 1, 1) };
        var w = new Window[3][];
        var inLengths = new long[3];
        for (var i = 0; i < 3; i++)
        {
            var axis = i - (3 - spatial);
            w[i] = axis < 0 ? unit : windows[axis];
            inLengths[i] = axis < 0 ? 1 : dims[axis + 2];
        }

        var planes = (int)(dims[0] * dims[1]);
        var inPlane = inLengths[0] * inLengths[1] * inLengths[2];
        var result = new double[planes * w[0].Length * w[1].Length * w[2].Length];
        var o = 0;
        for (var p = 0; p < planes; p++)
        {
            foreach (var wz in w[0])
            {
                foreach (var wy in w[1])
                {
                    foreach (var wx in w[2])
                    {
                        var sum = 0.0;
                        var max = double.NegativeInfinity;
                        long valid = 0;
                        for (var z = wz.Start; z < wz.End; z++)
                        {
                            for (var y = wy.Start; y < wy.End; y++)
                            {
                                for (var xx = wx.Start; xx < wx.End; xx++)
                                {
                                    var v = values[(p * inPlane) + (((z * inLengths[1]) + y) * inLengths[2]) + xx];
                                    sum += v;
                                    max = double.IsNaN(v) || v > max ? v : max;
                                    valid++;
                                }
                            }
                        }

                        var divisor = countIncludePad ? wz.PaddedCount * wy.PaddedCount * wx.PaddedCount : valid;
                        result[o++] = kind == PoolKind.Max ? max : sum / divisor;
                    }
                }
            }
        }

        var outDims = (long[])dims.Clone();
        for (var axis = 0; axis < spatial; axis++)
        {
            outDims[axis + 2] = windows[axis].Length;
        }

        return context.Reals(outDims, result);
    }
}
