using MgeConvert.Formats.Caffe;
using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Quantization;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// The QAT pieces of written files (spec §5 observers/fake-quant, §6.2, §9.2): QParams, QuantDtypeMeta, a
/// PassiveObserver holding the exact qparams with a FakeQuantize that rounds to them, and the state of a qat
/// module (the float module's __dict__ with QATModule's four attributes after the Module base keys).
/// A PassiveObserver reports its stored qparams unchanged, so the fake quantizer uses exactly the recorded
/// scale and zero point (a MinMax observer would recompute them from min/max with float rounding).
/// </summary>
internal static class TmQatStates
{
    public static readonly PyGlobal QParams = new("megengine.quantization.utils", "QParams");
    public static readonly PyGlobal QuantMode = new("megengine.quantization.utils", "QuantMode");
    public static readonly PyGlobal QuantDtypeMeta = new("megengine.core.tensor.dtype", "QuantDtypeMeta");
    public static readonly PyGlobal PassiveObserver = new("megengine.quantization.observer", "PassiveObserver");
    public static readonly PyGlobal FakeQuantize = new("megengine.quantization.fake_quant", "FakeQuantize");

    private const long Symmetric = 1;
    private const long Asymmetric = 2;

    /// <summary>Whether a fake quantizer can round to <paramref name="info"/>: a builtin MegEngine 8-bit dtype, per tensor.</summary>
    public static string? Inexpressible(QuantInfo info) =>
        !info.IsPerTensor ? $"per-channel quantization ({info.Scales.Length} scales; the fake quantizers written round per tensor)"
        : Meta(info.DTypeName) is null ? $"quantized dtype {info.DTypeName} (MegEngine's QAT fake quantizers round to qint8, qint8_narrow, quint8, qint4, quint4 or qint32)"
        : info.Scale is not (> 0 and < float.PositiveInfinity) ? $"quantization scale {info.Scale}"
        : null;

    /// <summary>Quantization of an IR quantized data type, named as MegEngine names the dtype.</summary>
    public static QuantInfo FromDataType(DataType type)
    {
        var q = type.Quant ?? throw new ArgumentException("not a quantized type", nameof(type));
        var (name, min, max) = type.Element switch
        {
            ElementType.Int8 => ("qint8", -128L, 127L),
            ElementType.UInt8 => ("quint8", 0L, 255L),
            ElementType.Int32 => ("qint32", (long)int.MinValue, (long)int.MaxValue),
            _ => (type.Element.ToString().ToLowerInvariant(), 0L, 0L),
        };
        var zeros = q.ZeroPoints.Any(z => z != 0) ? q.ZeroPoints.ToArray() : null;
        return new QuantInfo(name, min, max, [.. q.Scales], zeros, q.Scales.Length > 1 ? q.Axis : null);
    }

    /// <summary>QParams: NEWOBJ () + BUILD (None, {mode, dtype_meta, scale, zero_point}) (__slots__ state).</summary>
    public static PyObject QParamsOf(TmTensors t, QuantInfo info)
    {
        var symmetric = info.ZeroPoints is null || info.ZeroPoints.All(z => z == 0);
        var scale = Tensor.FromFloats(info.IsPerTensor ? Shape.Scalar : new Shape(info.Scales.Length), info.Scales);
        var zero = symmetric ? null : t.Tensor(Tensor.FromFloats(scale.Shape, [.. info.ZeroPoints!.Select(z => (float)z)]));
        var slots = TmPy.Dict(
            ("mode", Mode(symmetric)), ("dtype_meta", DTypeMeta(info)), ("scale", t.Tensor(scale)), ("zero_point", zero));
        return new PyObject(QParams, PyTuple.Empty, PyConstruction.New) { State = new PyTuple([null, slots]), HasState = true };
    }

    /// <summary>megengine.quantization.observer.PassiveObserver after set_qparams: reports <paramref name="info"/>, leaves values alone.</summary>
    public static PyObject Observer(TmTensors t, QuantInfo info, string owner, string attr)
    {
        var state = Base(owner, attr, info);
        state.Set("enabled", true);
        state.Set("qparams", QParamsOf(t, info));
        var scale = Tensor.FromFloats(info.IsPerTensor ? Shape.Scalar : new Shape(info.Scales.Length), info.Scales);
        state.Set("orig_scale", new NdArray(t.DType(ElementType.Float32), scale.Shape.ToArray(), scale.Bytes));
        return TmPy.Object(PassiveObserver, state);
    }

    /// <summary>megengine.quantization.fake_quant.FakeQuantize (enabled): rounds to the qparams its observer reports.</summary>
    public static PyObject FakeQuant(QuantInfo info, string owner, string attr)
    {
        var state = Base(owner, attr, info);
        state.Set("enabled", true);
        return TmPy.Object(FakeQuantize, state);
    }

    /// <summary>
    /// A qat module's state: <paramref name="floatState"/> with weight_observer, act_observer, weight_fake_quant
    /// and act_fake_quant (None when absent) inserted after the Module base keys; _modules lists the present ones
    /// in set_qconfig's order (act before weight).
    /// </summary>
    public static PyDict Qat(TmTensors t, PyDict floatState, string owner, QuantInfo? weight, QuantInfo? act)
    {
        var weightObserver = weight is null ? null : Observer(t, weight, owner, "weight_observer");
        var weightFakeQuant = weight is null ? null : FakeQuant(weight, owner, "weight_fake_quant");
        var actObserver = act is null ? null : Observer(t, act, owner, "act_observer");
        var actFakeQuant = act is null ? null : FakeQuant(act, owner, "act_fake_quant");
        var modules = (PyList)floatState.Get("_modules")!;
        modules = [.. modules];
        if (act is not null)
        {
            modules.Add("act_observer");
            modules.Add("act_fake_quant");
        }

        if (weight is not null)
        {
            modules.Add("weight_observer");
            modules.Add("weight_fake_quant");
        }

        var state = new PyDict();
        foreach (var (key, value) in floatState)
        {
            state.Set(key, key is "_modules" ? modules : value);
            if (key is "_short_name")
            {
                state.Set("weight_observer", weightObserver);
                state.Set("act_observer", actObserver);
                state.Set("weight_fake_quant", weightFakeQuant);
                state.Set("act_fake_quant", actFakeQuant);
            }
        }

        return state;
    }

    /// <summary>megengine.module.qat.quant_dequant.QuantStub: fake-quantizes its input to <paramref name="act"/>.</summary>
    public static PyDict QuantStub(TmTensors t, string owner, QuantInfo act) =>
        Qat(t, TmModuleStates.ModuleBase(new PyList(["_forward_pre_hooks", "_forward_hooks"]), owner), owner, null, act);

    /// <summary>QuantDtypeMeta(name, cname, np_dtype_str, qmin, qmax, is_unsigned): NEWOBJ with the 6-tuple.</summary>
    private static PyObject DTypeMeta(QuantInfo info)
    {
        var (cname, numpy, unsigned) = Meta(info.DTypeName) ?? throw new NotExpressibleException($"quantized dtype {info.DTypeName}");
        return new PyObject(QuantDtypeMeta, new PyTuple([info.DTypeName, cname, numpy, info.QMin, info.QMax, unsigned]), PyConstruction.New);
    }

    private static (string CName, string Numpy, bool Unsigned)? Meta(string name) => name switch
    {
        "qint8" or "qint8_narrow" => ("QuantizedS8", "int8", false),
        "quint8" => ("Quantized8Asymm", "uint8", true),
        "qint4" => ("QuantizedS4", "int8", false),
        "quint4" => ("Quantized4Asymm", "uint8", true),
        "qint32" => ("QuantizedS32", "int32", false),
        _ => null,
    };

    /// <summary>QuantMode(1|2) by REDUCE: loads on every Python version (spec §9.2).</summary>
    private static PyObject Mode(bool symmetric) => new(QuantMode, new PyTuple([symmetric ? Symmetric : Asymmetric]), PyConstruction.Reduce);

    /// <summary>Observer/FakeQuantize base: Module keys, then dtype, qmin, qmax (Observer.__init__ / _FakeQuantize.__init__).</summary>
    private static PyDict Base(string owner, string attr, QuantInfo info)
    {
        var state = TmModuleStates.ModuleBase(new PyList(["_forward_pre_hooks", "_forward_hooks", "dtype"]), null);
        state.Set("_name", owner + "." + attr);
        state.Set("_short_name", attr);
        state.Set("dtype", DTypeMeta(info));
        state.Set("qmin", info.QMin);
        state.Set("qmax", info.QMax);
        return state;
    }
}
