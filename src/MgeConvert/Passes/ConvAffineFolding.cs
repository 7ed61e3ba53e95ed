using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;

namespace MgeConvert.Passes;

/// <summary>
/// Folds a per-output-channel affine map applied to a convolution's result into its constant weight and bias.
/// New constants are created (named after the old ones plus a suffix), so weights shared with other nodes stay intact;
/// a shift-only map leaves the weight untouched. Given <see cref="ExclusiveConstants"/>, a float32 weight that only
/// this node reads and whose bytes no other constant shares is scaled where it lies instead of into a copy (the new
/// constant wraps the same bytes), so folding costs no memory.
/// </summary>
internal static class ConvAffineFolding
{
    /// <summary>False (nothing changed) when the node is not a Conv/ConvTranspose with float constant weight and bias, or the channel counts differ.</summary>
    public static bool TryFold(Graph graph, Node node, ChannelAffine affine, string suffix, ExclusiveConstants? inPlace = null)
    {
        var (transposed, group) = node.Op switch
        {
            Conv => (false, 1L),
            ConvTranspose convT => (true, convT.Group),
            _ => (false, 0L),
        };
        if (group == 0 || node.Input(1) is not { IsConstant: true, DType.IsFloat: true } weight
            || node.InputOrNull(2) is { IsConstant: false } or { DType.IsFloat: false })
        {
            return false;
        }

        // Conv weight (O, C/G, k...) scales along axis 0; ConvTranspose weight (C, O/G, k...) along axis 1 per group.
        var dims = weight.Shape.ToArray();
        var outChannels = transposed ? dims[1] * group : dims[0];
        if (outChannels != affine.Scale.Length)
        {
            return false;
        }

        if (!affine.IsShiftOnly)
        {
            Memory<byte>? target = inPlace is not null && inPlace.TryGetWritable(weight, node, out var own) ? own : default(Memory<byte>?);
            node.Inputs[1] = GraphEdits.NewConstant(graph, weight.Name + suffix, ScaledWeight(weight, affine, transposed, group, target));
        }

        var oldBias = node.InputOrNull(2);
        var bias = oldBias is null ? new double[affine.Scale.Length] : GraphEdits.Reals(oldBias);
        for (var c = 0; c < bias.Length; c++)
        {
            bias[c] = (bias[c] * affine.Scale[c]) + affine.Shift[c];
        }

        SetInput(node, 2, GraphEdits.NewConstant(graph, (oldBias?.Name ?? node.Name + "_bias") + suffix,
            TensorValues.FromReals(weight.DType.Storage, [bias.Length], bias)));
        return true;
    }

    /// <summary>The scaled weight; float32 weights are scaled into <paramref name="target"/> when given (their own bytes).</summary>
    private static Tensor ScaledWeight(Value weight, ChannelAffine affine, bool transposed, long group, Memory<byte>? target)
    {
        var dims = weight.Shape.ToArray();
        var count = weight.Constant!.ElementCount;
        var perRow = count / dims[0];
        var perColumn = transposed ? perRow / dims[1] : perRow;
        long Channel(long i) => transposed ? (i / perRow / (dims[0] / group) * dims[1]) + (i / perColumn % dims[1]) : i / perRow;
        if (weight.DType is { Element: ElementType.Float32, Quant: null })
        {
            // Straight into the new tensor's bytes, with the same double product and one rounding as below.
            var from = weight.Constant.Span<float>();
            var bytes = target ?? GC.AllocateUninitializedArray<byte>(from.Length * sizeof(float));
            var to = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.Span);
            if (!transposed)
            {
                for (var row = 0; row < dims[0]; row++)
                {
                    FloatRows.Scale(from.Slice((int)(row * perRow), (int)perRow), to.Slice((int)(row * perRow), (int)perRow), affine.Scale[row]);
                }
            }
            else
            {
                for (var i = 0; i < from.Length; i++)
                {
                    to[i] = (float)(from[i] * affine.Scale[Channel(i)]);
                }
            }

            return new Tensor(weight.DType, weight.Shape, bytes);
        }

        var w = GraphEdits.Reals(weight);
        for (var i = 0; i < w.Length; i++)
        {
            w[i] *= affine.Scale[Channel(i)];
        }

        return TensorValues.FromReals(weight.DType, dims, w);
    }

    public static void SetInput(Node node, int index, Value value)
    {
        while (node.Inputs.Count <= index)
        {
            node.Inputs.Add(null);
        }

        node.Inputs[index] = value;
    }
}
