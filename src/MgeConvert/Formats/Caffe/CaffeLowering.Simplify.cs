using MgeConvert.Formats.Caffe.Proto;

namespace MgeConvert.Formats.Caffe;

/// <summary>
/// Rewrites of the lowered layer list that keep every result: consecutive linear Power layers become one, a linear
/// Power right after a Convolution, Deconvolution, InnerProduct or one-bottom Scale whose result only it reads is
/// folded into that layer's weights and bias, consecutive reshapes read the first one's bottom, reshapes to the shape
/// a blob already has disappear, and layers whose results nobody reads are dropped. Blobs written more than once (in-place layers) are never rewired, and the blobs of graph
/// outputs keep their writers.
/// </summary>
internal sealed partial class CaffeLowering
{
    /// <summary>Static shapes of the blobs that hold IR values and of the reshape results.</summary>
    private readonly Dictionary<string, long[]> _blobShapes = new(StringComparer.Ordinal);

    private void Simplify()
    {
        var kept = _graphOutputs.Where(_blobs.ContainsKey).Select(v => _blobs[v]).ToHashSet(StringComparer.Ordinal);
        foreach (var layer in _layers.Where(l => l.Type == "Reshape" && l.Top.Count == 1))
        {
            _blobShapes.TryAdd(layer.Top[0], [.. layer.ReshapeParam.Shape.Dim]);
        }

        while (SimplifyOnce(kept))
        {
        }
    }

    private bool SimplifyOnce(HashSet<string> kept)
    {
        var writes = new Dictionary<string, int>(StringComparer.Ordinal);
        var readers = new Dictionary<string, List<LayerParameter>>(StringComparer.Ordinal);
        foreach (var layer in _layers)
        {
            foreach (var top in layer.Top)
            {
                writes[top] = writes.GetValueOrDefault(top) + 1;
            }

            foreach (var bottom in layer.Bottom)
            {
                if (!readers.TryGetValue(bottom, out var list))
                {
                    readers[bottom] = list = [];
                }

                list.Add(layer);
            }
        }

        bool WrittenOnce(string blob) => writes.GetValueOrDefault(blob) == 1;
        List<LayerParameter> ReadersOf(string blob) => readers.GetValueOrDefault(blob) ?? [];

        for (var i = 0; i < _layers.Count; i++)
        {
            var layer = _layers[i];
            if (layer.Top is [var result] && IsWeighted(layer) && !kept.Contains(result) && ReadersOf(result).Any(IsLinearPower)
                && LaterReaders(i, result) is [{ Top: [var powerTop] } power]
                && IsLinearPower(power) && powerTop != result && WrittenOnce(powerTop))
            {
                FoldLinearPower(layer, power.PowerParam);
                layer.Top[0] = powerTop;
                _layers.Remove(power);
                return true;
            }

            if (layer.Bottom.Count != 1 || layer.Top.Count != 1 || layer.Top[0] == layer.Bottom[0]
                || !WrittenOnce(layer.Top[0]) || !WrittenOnce(layer.Bottom[0]))
            {
                continue;
            }

            var (bottom, top) = (layer.Bottom[0], layer.Top[0]);
            var next = ReadersOf(top) is [var only] && !kept.Contains(top) && only.Top.Count == 1 && only.Top[0] != top ? only : null;
            if (IsLinearPower(layer) && next is { Type: "Power" })
            {
                next.PowerParam = Compose(layer.PowerParam, next.PowerParam);
                next.Bottom[0] = bottom;
                _layers.RemoveAt(i);
                return true;
            }

            if (layer.Type is "Reshape" or "Flatten" && next is { Type: "Reshape" } && IsExplicit(next.ReshapeParam))
            {
                next.Bottom[0] = bottom;
                _layers.RemoveAt(i);
                return true;
            }

            var identity = (layer.Type == "Reshape" && IsExplicit(layer.ReshapeParam) && _blobShapes.TryGetValue(bottom, out var shape)
                    && shape.SequenceEqual(layer.ReshapeParam.Shape.Dim))
                || (layer.Type == "Power" && IsIdentity(layer.PowerParam));
            if (identity && !kept.Contains(top))
            {
                foreach (var reader in ReadersOf(top))
                {
                    for (var b = 0; b < reader.Bottom.Count; b++)
                    {
                        reader.Bottom[b] = reader.Bottom[b] == top ? bottom : reader.Bottom[b];
                    }
                }

                _layers.RemoveAt(i);
                return true;
            }
        }

        return RemoveUnread(kept);
    }

    /// <summary>The layers after position <paramref name="index"/> that read <paramref name="blob"/>; null when a later layer writes it again.</summary>
    private List<LayerParameter>? LaterReaders(int index, string blob)
    {
        var later = _layers.Skip(index + 1).ToList();
        return later.Any(l => l.Top.Contains(blob)) ? null : [.. later.Where(l => l.Bottom.Contains(blob))];
    }

    /// <summary>Drops computing layers none of whose tops a later layer reads or the graph returns.</summary>
    private bool RemoveUnread(HashSet<string> kept)
    {
        var readLater = new HashSet<string>(kept, StringComparer.Ordinal);
        var removed = false;
        for (var i = _layers.Count - 1; i >= 0; i--)
        {
            var layer = _layers[i];
            if (layer.Type != "Input" && layer.Top.Count > 0 && !layer.Top.Any(readLater.Contains))
            {
                _layers.RemoveAt(i);
                removed = true;
                continue;
            }

            readLater.UnionWith(layer.Bottom);
        }

        return removed;
    }

    /// <summary>
    /// A layer computing W·x + b from one bottom whose blobs this lowering wrote (weights, then the bias when it has
    /// one); a Scale after a BatchNorm is one too (per-channel W).
    /// </summary>
    private bool IsWeighted(LayerParameter layer) =>
        !_options.UseEmptyBlobs && layer.Bottom.Count == 1 && layer.Type is "Convolution" or "Deconvolution" or "InnerProduct" or "Scale";

    /// <summary>(shift + scale·(W·x + b)) = (scale·W)·x + (scale·b + shift): scales the weights and shifts the bias, adding one if needed.</summary>
    private void FoldLinearPower(LayerParameter layer, PowerParameter? power)
    {
        float scale = power?.Scale ?? 1, shift = power?.Shift ?? 0;
        if (scale != 1)
        {
            Transform(layer.Blobs[0], v => v * scale);
        }

        if (layer.Blobs.Count > 1)
        {
            Transform(layer.Blobs[1], v => (v * scale) + shift);
        }
        else if (shift != 0)
        {
            // The bias has one value per output (Convolution, Deconvolution, InnerProduct) or per scale (Scale).
            long[] biasShape = layer.Type switch
            {
                "InnerProduct" => [layer.InnerProductParam.NumOutput],
                "Scale" => [.. layer.Blobs[0].Shape.Dim],
                _ => [layer.ConvolutionParam.NumOutput],
            };
            layer.Blobs.Add(Weights(Enumerable.Repeat(shift, (int)biasShape.Aggregate(1L, (a, b) => a * b)).ToArray(), biasShape));
            switch (layer.Type)
            {
                case "InnerProduct": layer.InnerProductParam.BiasTerm = true; break;
                case "Scale": (layer.ScaleParam ??= new ScaleParameter()).BiasTerm = true; break;
                default: layer.ConvolutionParam.BiasTerm = true; break;
            }
        }
    }

    /// <summary>Maps a blob's values: stored ones now, deferred ones when they are computed.</summary>
    private void Transform(BlobProto blob, Func<float, float> map)
    {
        if (_deferredValues.TryGetValue(blob, out var fill))
        {
            _deferredValues[blob] = target =>
            {
                fill(target);
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = map(target[i]);
                }
            };
            return;
        }

        for (var i = 0; i < blob.Data.Count; i++)
        {
            blob.Data[i] = map(blob.Data[i]);
        }
    }

    private static bool IsLinearPower(LayerParameter layer) => layer.Type == "Power" && (layer.PowerParam is null || layer.PowerParam.Power == 1);

    private static bool IsIdentity(PowerParameter? power) => power is null || (power.Power == 1 && power.Scale == 1 && power.Shift == 0);

    private static bool IsExplicit(ReshapeParameter? reshape) =>
        reshape is { Axis: 0, NumAxes: -1, Shape: not null } && reshape.Shape.Dim.All(d => d > 0);

    /// <summary>(shift₂ + scale₂·(shift₁ + scale₁·x))^power₂ as one Power layer; the first one must be linear.</summary>
    private static PowerParameter Compose(PowerParameter? first, PowerParameter? second)
    {
        double s1 = first?.Scale ?? 1, h1 = first?.Shift ?? 0, s2 = second?.Scale ?? 1, h2 = second?.Shift ?? 0;
        var composed = new PowerParameter();
        var (power, scale, shift) = (second?.Power ?? 1, (float)(s2 * s1), (float)((s2 * h1) + h2));
        if (power != 1)
        {
            composed.Power = power;
        }

        if (scale != 1)
        {
            composed.Scale = scale;
        }

        if (shift != 0)
        {
            composed.Shift = shift;
        }

        return composed;
    }
}
