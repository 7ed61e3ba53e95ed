using MgeConvert.Formats.Pickle;
using MgeConvert.Quantization;

namespace MgeConvert.Formats.TracedModule;

/// <summary>QAT quantization parameters from MegEngine QParams objects, observers and fake-quant modules.</summary>
internal sealed class TmQuant(TmLoader loader)
{
    /// <summary>A QParams object: (None, {mode, dtype_meta, scale, zero_point}) slots state.</summary>
    public QuantInfo? FromQParams(PyObject? qparams)
    {
        if (qparams is null || qparams.Attr("scale") is not { } scaleValue)
        {
            return null;
        }

        var (name, qmin, qmax) = DTypeMeta(qparams.Attr("dtype_meta"));
        var scales = loader.TensorData(scaleValue, "QParams scale").ToFloats();
        var zero = qparams.Attr("zero_point") is { } z && LoaderTensorOrNull(z) is { } zt ? zt : null;
        return new QuantInfo(name, qmin, qmax, scales, zero, scales.Length > 1 ? 0 : null);
    }

    /// <summary>Output (activation) qparams of a QAT module: its fake-quant's own qparams, else its observer's.</summary>
    public QuantInfo? Activation(TmModule module) => Effective(module, "act");

    /// <summary>Weight qparams of a QAT module.</summary>
    public QuantInfo? Weight(TmModule module) => Effective(module, "weight");

    /// <summary>qparams an observer would report (MinMax family: symmetric or asymmetric from min_val/max_val).</summary>
    public QuantInfo? FromObserver(TmModule observer)
    {
        if (observer.Attr("qparams") is PyObject stored && FromQParams(stored) is { } fixedParams)
        {
            return fixedParams;
        }

        if (observer.Attr("min_val") is not { } minValue || observer.Attr("max_val") is not { } maxValue)
        {
            return null;
        }

        var (name, qmin, qmax) = DTypeMeta(observer.Attr("dtype"));
        if (PyValues.TryGetLong(observer.Attr("qmin"), out var oqmin) && PyValues.TryGetLong(observer.Attr("qmax"), out var oqmax))
        {
            (qmin, qmax) = (oqmin, oqmax);
        }

        var mins = loader.TensorData(minValue, "observer min_val").ToFloats();
        var maxs = loader.TensorData(maxValue, "observer max_val").ToFloats();
        PyValues.TryGetDouble(observer.Attr("scale_limit"), out var limitD);
        var limit = (float)limitD;
        var symmetric = ModeName(observer.Attr("mode")) != "ASYMMERTIC";
        var scales = new float[mins.Length];
        long[]? zeros = symmetric ? null : new long[mins.Length];
        for (var i = 0; i < mins.Length; i++)
        {
            var lo = MathF.Min(0f, mins[i]);
            var hi = MathF.Max(0f, maxs[i]);
            if (symmetric)
            {
                scales[i] = MathF.Max(MathF.Max(-lo, hi) / (float)((qmax - qmin) / 2.0), limit);
            }
            else
            {
                scales[i] = MathF.Max((hi - lo) / (float)(qmax - qmin), limit);
                zeros![i] = qmin - (long)MathF.Round(lo / scales[i], MidpointRounding.ToEven);
            }
        }

        return new QuantInfo(name, qmin, qmax, scales, zeros, scales.Length > 1 ? 0 : null);
    }

    /// <summary>(dtype name, qmin, qmax) of a QuantDtypeMeta (namedtuple NEWOBJ args) or a dtype name string.</summary>
    public static (string Name, long QMin, long QMax) DTypeMeta(object? meta)
    {
        if (meta is PyObject { Args.Count: >= 5 } m && m.Args[0] is string name
            && PyValues.TryGetLong(m.Args[3], out var qmin) && PyValues.TryGetLong(m.Args[4], out var qmax))
        {
            return (name, qmin, qmax);
        }

        if (meta is string s && QuantInfo.RangeOf(s) is { } r)
        {
            return (s, r.QMin, r.QMax);
        }

        return ("qint8", -128, 127);
    }

    /// <summary>"SYMMERTIC" / "ASYMMERTIC" from QuantMode(1|2) or getattr(QuantMode, name).</summary>
    public static string ModeName(object? mode) => mode switch
    {
        PyObject { Class.Name: "getattr", Args.Count: 2 } g when g.Args[1] is string n => n,
        PyObject { Args.Count: 1 } e when PyValues.TryGetLong(e.Args[0], out var v) => v == 2 ? "ASYMMERTIC" : "SYMMERTIC",
        string s => s,
        _ => "SYMMERTIC",
    };

    private QuantInfo? Effective(TmModule module, string kind)
    {
        if (loader.Module(module.Attr(kind + "_fake_quant")) is { } fq)
        {
            if (fq.Attr("qparams") is PyObject q && FromQParams(q) is { } own)
            {
                return own;
            }

            if (fq.ClassPath.EndsWith(".TQT", StringComparison.Ordinal) && fq.Attr("scale") is { } log2)
            {
                var (name, qmin, qmax) = DTypeMeta(fq.Attr("dtype"));
                var s = loader.TensorData(log2, "TQT scale").ToFloats();
                return new QuantInfo(name, qmin, qmax, [.. s.Select(v => MathF.Pow(2f, v))], null, s.Length > 1 ? 0 : null);
            }

            if (fq.ClassPath.EndsWith(".LSQ", StringComparison.Ordinal) && fq.Attr("step_size") is { } step)
            {
                var (name, qmin, qmax) = DTypeMeta(fq.Attr("dtype"));
                PyValues.TryGetDouble(fq.Attr("eps"), out var eps);
                var s = loader.TensorData(step, "LSQ step_size").ToFloats();
                return new QuantInfo(name, qmin, qmax, [.. s.Select(v => MathF.Abs(v) + (float)eps)], null, s.Length > 1 ? 0 : null);
            }
        }

        return loader.Module(module.Attr(kind + "_observer")) is { } obs ? FromObserver(obs) : null;
    }

    private long[]? LoaderTensorOrNull(object value)
    {
        if (!TmLoader.IsTensor(value) && value is not NdArray)
        {
            return null;
        }

        return loader.TensorData(value, "QParams zero_point").ToInt64s();
    }
}
