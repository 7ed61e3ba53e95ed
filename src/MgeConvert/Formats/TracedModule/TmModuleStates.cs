using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// Complete __dict__s of the builtin modules the writer creates, key for key and in the order MegEngine's own
/// files hold them (spec §5; _ModuleState.to_module runs no __init__, so forward() needs every attribute).
/// </summary>
internal static class TmModuleStates
{
    private static readonly string[] ConvTuples = ["kernel_size", "stride", "padding", "dilation"];
    private static readonly string[] ConvTransposeTuples = ["kernel_size", "stride", "padding", "output_padding", "dilation"];

    /// <summary>Module base attributes (spec §4.1); _name/_short_name are set when the module is attached.</summary>
    public static PyDict ModuleBase(PyList modules, string? name) => TmPy.Dict(
        ("_modules", modules),
        ("name", null),
        ("training", false),
        ("quantize_disabled", false),
        ("_forward_pre_hooks", TmPy.EmptyOrderedDict()),
        ("_forward_hooks", TmPy.EmptyOrderedDict()),
        ("_name", name),
        ("_short_name", name));

    /// <summary>megengine.module.conv.Conv2d; weight (O, I, kh, kw) or (G, O/G, I/G, kh, kw), bias (1, O, 1, 1).</summary>
    public static PyDict Conv2d(TmTensors t, Tensor weight, Tensor? bias, long groups, long[] stride, long[] padding, long[] dilation)
    {
        var o = weight.Shape[0];
        var i = weight.Shape[1] * groups;
        long[] wShape = groups == 1 ? weight.Shape.ToArray() : [groups, o / groups, weight.Shape[1], weight.Shape[2], weight.Shape[3]];
        var state = TmPy.Dict(("conv_mode", "cross_correlation"), ("compute_mode", "default"), ("padding_mode", "zeros"));
        Append(state, ModuleBase(Modules(ConvTuples), null));
        Append(state, TmPy.Dict(
            ("in_channels", i), ("out_channels", o), ("kernel_size", TmPy.Ints(weight.Shape.Skip(2))), ("stride", TmPy.Ints(stride)),
            ("padding", TmPy.Ints(padding)), ("output_padding", 0L), ("dilation", TmPy.Ints(dilation)), ("groups", groups),
            ("weight", t.Tensor(weight, true, wShape)), ("bias", bias is null ? null : t.Tensor(bias, true, [1, o, 1, 1]))));
        return state;
    }

    /// <summary>megengine.module.conv.ConvTranspose2d; weight (I, O/G, kh, kw) or (G, I/G, O/G, kh, kw), bias (1, O, 1, 1).</summary>
    public static PyDict ConvTranspose2d(TmTensors t, Tensor weight, Tensor? bias, long groups, long[] stride, long[] padding, long[] dilation, long[] outputPadding)
    {
        var i = weight.Shape[0];
        var o = weight.Shape[1] * groups;
        long[] wShape = groups == 1 ? weight.Shape.ToArray() : [groups, i / groups, weight.Shape[1], weight.Shape[2], weight.Shape[3]];
        var state = TmPy.Dict(("conv_mode", "cross_correlation"), ("compute_mode", "default"));
        Append(state, ModuleBase(Modules(ConvTransposeTuples), null));
        Append(state, TmPy.Dict(
            ("in_channels", i), ("out_channels", o), ("kernel_size", TmPy.Ints(weight.Shape.Skip(2))), ("stride", TmPy.Ints(stride)),
            ("padding", TmPy.Ints(padding)), ("output_padding", TmPy.Ints(outputPadding)), ("dilation", TmPy.Ints(dilation)), ("groups", groups),
            ("weight", t.Tensor(weight, true, wShape)), ("bias", bias is null ? null : t.Tensor(bias, true, [1, o, 1, 1]))));
        return state;
    }

    /// <summary>megengine.module.linear.Linear; weight (out, in), bias (out,).</summary>
    public static PyDict Linear(TmTensors t, Tensor weight, Tensor? bias)
    {
        var state = ModuleBase(Modules([]), null);
        Append(state, TmPy.Dict(
            ("out_features", weight.Shape[0]), ("in_features", weight.Shape[1]), ("weight", t.Tensor(weight, true)),
            ("bias", bias is null ? null : t.Tensor(bias, true, [weight.Shape[0]])), ("compute_mode", "default")));
        return state;
    }

    /// <summary>megengine.module.batchnorm.BatchNorm2d in inference mode; every per-channel tensor (1, C, 1, 1).</summary>
    public static PyDict BatchNorm2d(TmTensors t, Tensor scale, Tensor bias, Tensor mean, Tensor variance, double eps)
    {
        var c = scale.ElementCount;
        long[] shape = [1, c, 1, 1];
        var state = ModuleBase(Modules([]), null);
        Append(state, TmPy.Dict(
            ("num_features", c), ("eps", eps), ("momentum", 0.9), ("affine", true), ("track_running_stats", true),
            ("_track_running_stats_saved", true), ("freeze", false),
            ("weight", t.Tensor(scale, true, shape)), ("bias", t.Tensor(bias, true, shape)),
            ("running_mean", t.Tensor(mean, false, shape)), ("running_var", t.Tensor(variance, false, shape))));
        return state;
    }

    private static PyList Modules(IEnumerable<string> tupleAttributes) =>
        new(new object?[] { "_forward_pre_hooks", "_forward_hooks" }.Concat(tupleAttributes));

    private static void Append(PyDict target, PyDict items)
    {
        foreach (var (k, v) in items)
        {
            target.Set(k, v);
        }
    }
}
