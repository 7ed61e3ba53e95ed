using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>Zero padding of H and W on its own: a depthwise 1x1 convolution with unit weights and the padding.</summary>
internal sealed partial class CaffeLowering
{
    private void LowerPad(Node node, Pad pad)
    {
        var x = node.Input(0);
        if (pad.Mode is PadMode.Reflect or PadMode.Edge)
        {
            LowerPadByCopies(node, pad);
            return;
        }

        if (pad.Mode != PadMode.Constant || pad.ConstantValue != 0 || !IsSpatialPad(pad, x))
        {
            throw new NotExpressibleException($"Caffe can only zero-pad H and W of a 4-D tensor, got {pad.Mode} padding by [{string.Join(",", pad.Pads)}] with {pad.ConstantValue}");
        }

        var shape = StaticShape(x);
        var channels = shape[1];
        var (padH, padW) = (Math.Max(pad.Pads[2], pad.Pads[6]), Math.Max(pad.Pads[3], pad.Pads[7]));
        long[] padded = [shape[0], channels, shape[2] + (2 * padH), shape[3] + (2 * padW)];
        var output = StaticShape(node.Output);
        var symmetric = padded.SequenceEqual(output);
        var top = symmetric ? Define(node.Output) : TempBlob($"{node.Output.Name}/padded");
        var layer = symmetric ? Main(node, "Convolution", [Blob(x)], [top]) : Extra(node, "pad", "Convolution", [Blob(x)], [top]);
        layer.ConvolutionParam = new ConvolutionParameter
        {
            NumOutput = (uint)channels,
            BiasTerm = false,
            KernelH = 1,
            KernelW = 1,
            PadH = (uint)padH,
            PadW = (uint)padW,
            Group = (uint)channels,
        };
        var ones = new float[channels];
        Array.Fill(ones, 1f);
        layer.Blobs.Add(Weights(ones, channels, 1, 1, 1));
        if (!symmetric)
        {
            CropBothEnds(node, top, padded, [padH - pad.Pads[2], padW - pad.Pads[3]], output);
        }
    }

    /// <summary>
    /// Reflect and edge padding copy input rows: per padded axis, a Slice layer splits the input into single
    /// rows and a Concat puts the copied rows before and after it.
    /// </summary>
    private void LowerPadByCopies(Node node, Pad pad)
    {
        var shape = StaticShape(node.Input(0));
        var rank = shape.Length;
        var axes = Enumerable.Range(0, rank).Where(a => pad.Pads[a] != 0 || pad.Pads[a + rank] != 0).ToArray();
        if (pad.Pads.Any(p => p < 0) || axes.Any(a => pad.Mode == PadMode.Reflect && Math.Max(pad.Pads[a], pad.Pads[a + rank]) >= shape[a]))
        {
            throw new NotExpressibleException($"{pad.Mode} padding by [{string.Join(",", pad.Pads)}] does not fit the input {node.Input(0).Shape}");
        }

        if (axes.Length == 0)
        {
            LowerIdentity(node);
            return;
        }

        var current = Blob(node.Input(0));
        var unused = new List<string>();
        foreach (var axis in axes)
        {
            var length = shape[axis];
            var (before, after) = (pad.Pads[axis], pad.Pads[axis + rank]);
            long[] first = pad.Mode == PadMode.Edge
                ? [.. Enumerable.Repeat(0L, (int)before)]
                : [.. Enumerable.Range(1, (int)before).Select(i => (long)i).Reverse()];
            long[] last = pad.Mode == PadMode.Edge
                ? [.. Enumerable.Repeat(length - 1, (int)after)]
                : [.. Enumerable.Range(1, (int)after).Select(i => length - 1 - i)];
            var rows = new string[length];
            if (length == 1)
            {
                rows[0] = current;
            }
            else
            {
                for (var i = 0; i < length; i++)
                {
                    rows[i] = TempBlob($"{node.Output.Name}/row{axis}_{i}");
                }

                var slice = Extra(node, $"rows{axis}", "Slice", [current], rows);
                slice.SliceParam = new SliceParameter { Axis = axis };
                slice.SliceParam.SlicePoint.AddRange(Enumerable.Range(1, (int)length - 1).Select(i => (uint)i));
                unused.AddRange(rows.Where((_, i) => !first.Contains(i) && !last.Contains(i)));
            }

            var isLast = axis == axes[^1];
            var top = isLast ? Define(node.Output) : TempBlob($"{node.Output.Name}/padded{axis}");
            var pieces = first.Select(i => rows[i]).Append(current).Concat(last.Select(i => rows[i]));
            var concat = isLast ? Main(node, "Concat", pieces, [top]) : Extra(node, $"pad{axis}", "Concat", pieces, [top]);
            concat.ConcatParam = new ConcatParameter { Axis = axis };
            shape[axis] += before + after;
            current = top;
        }

        if (unused.Count > 0)
        {
            Extra(node, "silence", "Silence", unused, []);
        }
    }

    /// <summary>Cuts <paramref name="lead"/> rows/columns off the start of H and W and keeps <paramref name="output"/>'s extent.</summary>
    private void CropBothEnds(Node node, string blob, long[] shape, long[] lead, long[] output)
    {
        var current = blob;
        var dropped = new List<string>();
        var axes = Enumerable.Range(2, 2).Where(a => shape[a] != output[a]).ToArray();
        foreach (var axis in axes)
        {
            var first = lead[axis - 2];
            var last = axis == axes[^1];
            var kept = last ? Define(node.Output) : TempBlob($"{node.Output.Name}/crop{axis}");
            var tops = new List<string>();
            var points = new List<uint>();
            if (first > 0)
            {
                points.Add((uint)first);
                tops.Add(TempBlob($"{node.Output.Name}/before{axis}"));
            }

            tops.Add(kept);
            if (first + output[axis] < shape[axis])
            {
                points.Add((uint)(first + output[axis]));
                tops.Add(TempBlob($"{node.Output.Name}/after{axis}"));
            }

            var layer = last ? Main(node, "Slice", [current], tops) : Extra(node, $"crop{axis}", "Slice", [current], tops);
            layer.SliceParam = new SliceParameter { Axis = axis };
            layer.SliceParam.SlicePoint.AddRange(points);
            dropped.AddRange(tops.Where(t => t != kept));
            current = kept;
        }

        Extra(node, "silence", "Silence", dropped, []);
    }
}
