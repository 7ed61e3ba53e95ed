using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>Export rules for shape-manipulating ops (shape operands become int64 initializers or attributes).</summary>
internal static class OnnxExportTensor
{
    public static void Reshape(OnnxExportContext c)
    {
        var reshape = (Reshape)c.Op;
        var target = reshape.TargetShape;
        if (reshape.AllowZero && target.Contains(0))
        {
            if (c.Opset < 14)
            {
                throw c.NeedsOpset(14, "Reshape with allowzero");
            }

            c.Main("Reshape", [c.In(0), c.Ints("shape", target)], OnnxAttributes.Int("allowzero", 1));
            return;
        }

        c.Main("Reshape", [c.In(0), c.Ints("shape", target)]);
    }

    public static void WithAxes(OnnxExportContext c, string opType, long[] axes)
    {
        if (axes.Length == 0)
        {
            c.Main(opType, [c.In(0)]);
        }
        else if (c.Opset >= 13)
        {
            c.Main(opType, [c.In(0), c.Ints("axes", axes)]);
        }
        else
        {
            c.Main(opType, [c.In(0)], OnnxAttributes.Ints("axes", axes));
        }
    }

    public static void Split(OnnxExportContext c)
    {
        var split = (Split)c.Op;
        var axis = OnnxAttributes.Int("axis", c.Axis(split.Axis));
        if (c.Opset >= 13)
        {
            c.Main("Split", [c.In(0), c.Ints("split", split.Sizes)], axis);
        }
        else
        {
            c.Main("Split", [c.In(0)], axis, OnnxAttributes.Ints("split", split.Sizes));
        }
    }

    public static void Slice(OnnxExportContext c)
    {
        var slice = (Slice)c.Op;
        var axes = c.Axes(slice.Axes, c.InShape(0).Rank);
        if (c.Opset < 10)
        {
            if (slice.Steps.Any(s => s != 1))
            {
                throw c.NeedsOpset(10, "strided Slice");
            }

            c.Main("Slice", [c.In(0)], OnnxAttributes.Ints("starts", slice.Starts), OnnxAttributes.Ints("ends", slice.Ends), OnnxAttributes.Ints("axes", axes));
            return;
        }

        var inputs = new List<string> { c.In(0), c.Ints("starts", slice.Starts), c.Ints("ends", slice.Ends), c.Ints("axes", axes) };
        if (slice.Steps.Any(s => s != 1))
        {
            inputs.Add(c.Ints("steps", slice.Steps));
        }

        c.Main("Slice", inputs);
    }

    public static void Pad(OnnxExportContext c)
    {
        var pad = (Pad)c.Op;
        var mode = pad.Mode switch
        {
            PadMode.Constant => "constant",
            PadMode.Reflect => "reflect",
            _ => "edge",
        };
        var attributes = new List<AttributeProto>();
        if (pad.Mode != PadMode.Constant)
        {
            attributes.Add(OnnxAttributes.Str("mode", mode));
        }

        if (c.Opset < 11)
        {
            attributes.Add(OnnxAttributes.Ints("pads", pad.Pads));
            if (pad.ConstantValue != 0)
            {
                attributes.Add(OnnxAttributes.Float("value", pad.ConstantValue));
            }

            c.Main("Pad", [c.In(0)], [.. attributes]);
            return;
        }

        var inputs = new List<string> { c.In(0), c.Ints("pads", pad.Pads) };
        if (pad.Mode == PadMode.Constant && pad.ConstantValue != 0)
        {
            inputs.Add(c.Scalar("value", c.InValue(0).DType.Element, pad.ConstantValue));
        }

        c.Main("Pad", inputs, [.. attributes]);
    }

    public static void Resize(OnnxExportContext c)
    {
        var resize = (Resize)c.Op;
        var mode = resize.Mode switch
        {
            ResizeMode.Nearest => "nearest",
            ResizeMode.Linear => "linear",
            _ => "cubic",
        };
        if (c.Opset < 11)
        {
            LegacyResize(c, resize, mode);
            return;
        }

        var attributes = new List<AttributeProto>
        {
            OnnxAttributes.Str("mode", mode),
            OnnxAttributes.Str("coordinate_transformation_mode", resize.Coordinates switch
            {
                CoordinateTransform.HalfPixel => "half_pixel",
                CoordinateTransform.PytorchHalfPixel => "pytorch_half_pixel",
                CoordinateTransform.AlignCorners => "align_corners",
                CoordinateTransform.Asymmetric => "asymmetric",
                _ => "tf_half_pixel_for_nearest",
            }),
        };
        if (resize.Mode == ResizeMode.Nearest)
        {
            attributes.Add(OnnxAttributes.Str("nearest_mode", resize.Rounding switch
            {
                NearestRounding.RoundPreferFloor => "round_prefer_floor",
                NearestRounding.RoundPreferCeil => "round_prefer_ceil",
                NearestRounding.Floor => "floor",
                _ => "ceil",
            }));
        }

        if (resize.Mode == ResizeMode.Cubic)
        {
            attributes.Add(OnnxAttributes.Float("cubic_coeff_a", resize.CubicCoefficient));
        }

        var empty = c.Opset < 13 ? c.Const("empty", Tensor.FromFloats(new Shape(0))) : "";
        var inputs = resize.Scales is { } scales
            ? new[] { c.In(0), empty, c.Const("scales", Tensor.FromFloats(new Shape(scales.Length), scales)) }
            : [c.In(0), empty, empty, c.Ints("sizes", resize.Sizes)];
        c.Main("Resize", inputs, [.. attributes]);
    }

    /// <summary>Upsample (opset 7–9) and Resize-10 only know asymmetric coordinates with nearest rounding down.</summary>
    private static void LegacyResize(OnnxExportContext c, Resize resize, string mode)
    {
        var floorNearest = resize.Mode != ResizeMode.Nearest || resize.Rounding == NearestRounding.Floor;
        if (resize.Mode == ResizeMode.Cubic || resize.Coordinates != CoordinateTransform.Asymmetric || !floorNearest)
        {
            throw c.NeedsOpset(11, $"{mode} resizing with {resize.Coordinates} coordinates");
        }

        var x = c.InShape(0);
        var scales = resize.Scales ?? [.. resize.Sizes.Select((s, i) => x[i] > 0 ? (float)s / x[i] : float.NaN)];
        for (var i = 0; i < scales.Length; i++)
        {
            if (x[i] < 0 || OnnxImportTensor.ScaledSize(x[i], scales[i]) != resize.Sizes[i])
            {
                throw c.NeedsOpset(11, $"resizing {x} to [{string.Join(",", resize.Sizes)}] by sizes");
            }

            if (scales[i] < 1 && resize.Mode == ResizeMode.Nearest)
            {
                throw c.NeedsOpset(11, "nearest downsampling");
            }
        }

        var modeAttribute = OnnxAttributes.Str("mode", mode);
        var scalesTensor = Tensor.FromFloats(new Shape(scales.Length), scales);
        if (c.Opset == 10)
        {
            c.Main("Resize", [c.In(0), c.Const("scales", scalesTensor)], modeAttribute);
        }
        else if (c.Opset == 9)
        {
            c.Main("Upsample", [c.In(0), c.Const("scales", scalesTensor)], modeAttribute);
        }
        else
        {
            c.Main("Upsample", [c.In(0)], modeAttribute, OnnxAttributes.Floats("scales", scales));
        }
    }
}
