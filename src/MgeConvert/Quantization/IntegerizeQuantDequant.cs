using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;

namespace MgeConvert.Quantization;

/// <summary>
/// Turns a quantize/dequantize graph (as <see cref="MaterializeFakeQuant"/> leaves a QAT model, or a quantized .mge
/// reads) into integer ops: an op whose computed inputs are all dequantized integers (int8/uint8, or symmetric
/// int16) and whose result is quantized again reads and writes the integers directly. Its weights are quantized
/// with their QAT parameters (or the stored integers they were read from), its bias to int32 with scale input scale
/// · weight scale. Ops that only move or select values (relu, pooling, reshapes, concat) keep their input's
/// quantization; sigmoid, tanh and softmax only when the result has the fixed range LiteRT's kernels write. What
/// stays float keeps its dequantize/quantize casts, so a writer emits QUANTIZE/DEQUANTIZE only where integer and
/// float parts meet (normally the graph inputs and outputs, and requantizations between two scales).
/// With <see cref="IntegerInputs"/>, a graph input read only by a quantize cast becomes integer typed itself.
/// </summary>
public sealed class IntegerizeQuantDequant : IPass
{
    public bool IntegerInputs { get; init; }

    public string Name => "integerize-quant-dequant";

    public string Description =>
        "replaces dequantize -> float op -> quantize by the op on quantized integers (int8/uint8/int16 activations, int32 bias)";

    public void Run(Graph graph, PassContext context)
    {
        var run = new Integerizer(graph);
        if (IntegerInputs)
        {
            run.IntegerizeInputs(context);
        }

        var count = run.Run();
        if (count > 0)
        {
            graph.Nodes.RemoveAll(run.Removed.Contains);
            graph.SortTopologically();
            context.Note($"{count} op(s) now compute on quantized integers");
        }
    }

    private sealed class Integerizer(Graph graph)
    {
        private readonly Dictionary<Value, Value> _integerOf = [];
        private Dictionary<Value, List<Node>> _consumers = graph.Consumers();

        public HashSet<Node> Removed { get; } = [];

        public void IntegerizeInputs(PassContext context)
        {
            foreach (var input in graph.Inputs.ToList())
            {
                if (graph.Outputs.Contains(input) || !_consumers.TryGetValue(input, out var readers) || readers.Count != 1
                    || readers[0] is not { Op: Cast { To: { IsQuantized: true } to } } quantize || !IsActivation(to))
                {
                    continue;
                }

                var name = input.Name;
                input.Name = graph.UniqueName(name + "_float");
                var integer = quantize.Output;
                graph.Nodes.Remove(quantize);
                integer.Producer = null;
                integer.Name = name;
                graph.Inputs[graph.Inputs.IndexOf(input)] = integer;
                context.Note($"input {name} is {to}");
            }

            _consumers = graph.Consumers();
        }

        public int Run()
        {
            var count = 0;
            foreach (var node in graph.Nodes.ToList())
            {
                if (Removed.Contains(node))
                {
                    continue;
                }

                if (node.Op is Cast cast)
                {
                    VisitCast(node, cast);
                }
                else if (TryIntegerize(node))
                {
                    count++;
                }
            }

            return count;
        }

        private void VisitCast(Node node, Cast cast)
        {
            var input = node.Input(0);
            if (cast.To.IsFloat && input.DType.IsQuantized && IsActivation(input.DType))
            {
                _integerOf[node.Output] = input;
            }
            else if (cast.To.IsQuantized && _integerOf.TryGetValue(input, out var integer) && integer.DType == cast.To)
            {
                // quantize(dequantize(q)) with the same parameters is q.
                graph.ReplaceUses(node.Output, integer);
                Removed.Add(node);
            }
        }

        private bool TryIntegerize(Node node)
        {
            if (node.Outputs.Count != 1 || !node.Output.DType.IsFloat)
            {
                return false;
            }

            var data = node.Inputs.Select(v => v is { IsConstant: false } ? v : null).ToList();
            if (data.All(v => v is null) || data.Any(v => v is not null && !_integerOf.ContainsKey(v)))
            {
                return false;
            }

            var first = _integerOf[data.First(v => v is not null)!];
            var quantize = QuantizeConsumer(node.Output);
            var result = (quantize?.Op as Cast)?.To ?? ResultBeforeActivation(node) ?? (KeepsInputQuantization(node.Op) ? first.DType : null);
            // TFLite's integer kernels take one storage type throughout (int8 or uint8); casts convert between them.
            if (result is null || !IsActivation(result) || (RequiresSameQuantization(node.Op) && first.DType != result)
                || data.Any(v => v is not null && _integerOf[v].DType.Element != result.Element))
            {
                return false;
            }

            List<Value?>? inputs = node.Op switch
            {
                Conv or ConvTranspose => WeightedInputs(node, first, weightAxis: node.Op is Conv ? 0 : 1),
                Gemm { Alpha: 1f, Beta: 1f, TransA: false } g when node.Input(1).IsConstant => WeightedInputs(node, first, weightAxis: g.TransB ? 0 : 1),
                Binary { Function: BinaryFunction.Add or BinaryFunction.Sub or BinaryFunction.Mul or BinaryFunction.Max or BinaryFunction.Min }
                    or Concat => ConstantsAsIntegers(node, result.Element),
                Unary { Function: UnaryFunction.Relu } or Clip { Min: 0f, Max: 6f or float.PositiveInfinity } or Pool or GlobalPool => MappedInputs(node),
                Unary { Function: UnaryFunction.Sigmoid or UnaryFunction.Tanh } u when HasFixedOutputRange(u.Function, result) => MappedInputs(node),
                Softmax s when IsLastAxis(s.Axis, node.Output.Shape.Rank) && HasFixedOutputRange(UnaryFunction.Sigmoid, result) => MappedInputs(node),
                _ when IsValuePreserving(node.Op) => MappedInputs(node),
                _ => null,
            };
            if (inputs is null)
            {
                return false;
            }

            Rewrite(node, inputs, result, quantize);
            return true;
        }

        /// <summary>For an op followed only by a relu (or relu6) whose result is quantized: that quantization.</summary>
        private DataType? ResultBeforeActivation(Node node)
        {
            if (KeepsInputQuantization(node.Op) || graph.Outputs.Contains(node.Output) || !_consumers.TryGetValue(node.Output, out var readers)
                || readers.Count != 1 || readers[0] is not { Op: Unary { Function: UnaryFunction.Relu } or Clip { Min: 0f, Max: 6f or float.PositiveInfinity } } activation)
            {
                return null;
            }

            return (QuantizeConsumer(activation.Output)?.Op as Cast)?.To;
        }

        /// <summary>A quantize cast reading <paramref name="value"/>, if any.</summary>
        private Node? QuantizeConsumer(Value value)
        {
            if (!_consumers.TryGetValue(value, out var readers))
            {
                return null;
            }

            return readers.FirstOrDefault(r => r.Op is Cast { To.IsQuantized: true } && !Removed.Contains(r));
        }

        private void Rewrite(Node node, List<Value?> inputs, DataType result, Node? quantize)
        {
            var floatOutput = node.Output;
            var integer = new Value(quantize?.Output.Name ?? graph.UniqueName(floatOutput.Name + "_quantized"),
                new TensorType(result, floatOutput.Shape));
            for (var i = 0; i < inputs.Count; i++)
            {
                node.Inputs[i] = inputs[i];
            }

            node.Outputs[0] = integer;
            integer.Producer = node;
            if (quantize is not null && quantize.Op is Cast c && c.To == result)
            {
                graph.ReplaceUses(quantize.Output, integer);
                Removed.Add(quantize);
            }

            var floatReaders = _consumers.GetValueOrDefault(floatOutput, []).Where(r => !Removed.Contains(r)).ToList();
            if (floatReaders.Count > 0 || graph.Outputs.Contains(floatOutput))
            {
                var dequantize = new Node(graph.UniqueName(floatOutput.Name + "_dequantize"), new Cast(floatOutput.DType), [integer], [floatOutput]);
                graph.Nodes.Add(dequantize);
                _integerOf[floatOutput] = integer;
                foreach (var reader in floatReaders.Where(r => r.Op is Cast { To.IsQuantized: true } && r != quantize))
                {
                    VisitCast(reader, (Cast)reader.Op);
                }
            }

        }

        private List<Value?> MappedInputs(Node node) =>
            [.. node.Inputs.Select(v => v is { IsConstant: false } ? _integerOf[v] : v)];

        /// <summary>Constant operands quantized with their QAT (or stored) parameters, else symmetric over their range.</summary>
        private List<Value?>? ConstantsAsIntegers(Node node, ElementType storage)
        {
            var inputs = new List<Value?>();
            foreach (var v in node.Inputs)
            {
                if (v is null || !v.IsConstant)
                {
                    inputs.Add(v is null ? null : _integerOf[v]);
                    continue;
                }

                if ((WeightInfo(v) ?? Symmetric(v, storage)) is not { IsPerTensor: true } info || info.Storage != storage)
                {
                    return null;
                }

                inputs.Add(QuantizedConstant(v, info));
            }

            return inputs;
        }

        /// <summary>Input, weight quantized with its QAT parameters, bias as int32 at input scale · weight scale.</summary>
        private List<Value?>? WeightedInputs(Node node, Value input, int weightAxis)
        {
            var w = node.Input(1);
            var bias = node.InputOrNull(2);
            if (input.DType.Quant is not { IsPerTensor: true } xq || WeightInfo(w) is not { } wInfo
                || !Is8Bit(wInfo.Storage) || (wInfo.Storage == ElementType.Int8 && (wInfo.ZeroPoints?.Any(z => z != 0) ?? false))
                || (wInfo.Storage == ElementType.UInt8 && (input.DType.Element != ElementType.UInt8 || !wInfo.IsPerTensor))
                || bias is { IsConstant: false } || node.Inputs.Count > 3)
            {
                return null;
            }

            if (!wInfo.IsPerTensor && (wInfo.Axis ?? 0) != weightAxis)
            {
                return null;
            }

            if (input.DType.Element == ElementType.UInt8 && wInfo.Storage == ElementType.Int8)
            {
                // uint8 kernels need uint8 weights, per tensor: the symmetric int8 grid shifted by 128 is exact.
                if (!wInfo.IsPerTensor)
                {
                    return null;
                }

                wInfo = new QuantInfo("quint8", wInfo.QMin + 128, wInfo.QMax + 128, wInfo.Scales, [128]);
            }

            var weight = QuantizedConstant(w, wInfo with { Axis = wInfo.IsPerTensor ? null : weightAxis });
            List<Value?> inputs = [input, weight];
            if (bias is not null)
            {
                inputs.Add(QuantizedBias(bias, xq.Scale, wInfo.Scales));
            }

            return inputs;
        }

        /// <summary>The QAT quantization of a constant, or the integers a quantized model's reader dequantized it from.</summary>
        private static QuantInfo? WeightInfo(Value constant)
        {
            if (QuantAnnotations.Get(constant) is { } info)
            {
                return info;
            }

            if (DequantizedConstants.Get(constant) is not { Quant: { } q } type || !Is8Bit(type.Element))
            {
                return null;
            }

            var name = type.Element == ElementType.Int8 ? "qint8" : "quint8";
            var (min, max) = QuantInfo.RangeOf(name)!.Value;
            return new QuantInfo(name, min, max, q.Scales, q.ZeroPoints, q.Axis);
        }

        /// <summary>Symmetric 8-bit over the constant's range, for a constant operand the model gave no quantization.</summary>
        private static QuantInfo Symmetric(Value constant, ElementType storage)
        {
            var max = constant.Constant!.ToFloats().Select(MathF.Abs).DefaultIfEmpty(0f).Max();
            float[] scale = [max > 0 ? max / 127f : 1f];
            return storage switch
            {
                ElementType.UInt8 => new QuantInfo("quint8", 1, 255, scale, [128]),
                ElementType.Int16 => new QuantInfo("int16", -32767, 32767, [max > 0 ? max / 32767f : 1f], null),
                _ => new QuantInfo("qint8", -127, 127, scale, null),
            };
        }

        private Value QuantizedConstant(Value v, QuantInfo info)
        {
            var values = v.Constant!.ToFloats();
            var quant = info.ToQuantParams();
            var inner = 1L;
            var channels = 1L;
            if (!info.IsPerTensor)
            {
                channels = v.Shape[info.Axis ?? 0];
                for (var d = (info.Axis ?? 0) + 1; d < v.Shape.Rank; d++)
                {
                    inner *= v.Shape[d];
                }
            }

            var integers = new long[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                var c = info.IsPerTensor ? 0 : (int)(i / inner % channels);
                var q = Math.Round(values[i] / (double)quant.Scales[c], MidpointRounding.AwayFromZero) + quant.ZeroPoints[c];
                integers[i] = (long)Math.Clamp(q, info.QMin, info.QMax);
            }

            var dtype = new DataType(info.Storage, quant);
            var tensor = info.Storage switch
            {
                ElementType.Int8 => Tensor.Create(dtype, v.Shape, integers.Select(q => (sbyte)q).ToArray()),
                ElementType.UInt8 => Tensor.Create(dtype, v.Shape, integers.Select(q => (byte)q).ToArray()),
                ElementType.Int16 => Tensor.Create(dtype, v.Shape, integers.Select(q => (short)q).ToArray()),
                _ => throw new ArgumentOutOfRangeException(nameof(info), info.Storage, "not an activation storage type"),
            };
            return new Value(graph.UniqueName(v.Name + "_quantized"), tensor);
        }

        private Value QuantizedBias(Value bias, float inputScale, float[] weightScales)
        {
            var values = bias.Constant!.ToFloats();
            var channels = values.Length;
            var scales = new float[weightScales.Length];
            for (var i = 0; i < scales.Length; i++)
            {
                scales[i] = inputScale * weightScales[i];
            }

            var integers = new int[channels];
            for (var i = 0; i < channels; i++)
            {
                var s = scales.Length == 1 ? scales[0] : scales[i];
                integers[i] = (int)Math.Clamp(Math.Round(values[i] / (double)s, MidpointRounding.AwayFromZero), int.MinValue, int.MaxValue);
            }

            var quant = new QuantParams(scales, new long[scales.Length], scales.Length > 1 ? 0 : null);
            return new Value(graph.UniqueName(bias.Name + "_quantized"), Tensor.Create(new DataType(ElementType.Int32, quant), new Shape(channels), integers));
        }

        private static bool IsLastAxis(long axis, int rank) => axis == rank - 1 || axis == -1;

        /// <summary>
        /// LiteRT's 8-bit LOGISTIC, SOFTMAX (like LOGISTIC) and TANH only write a fixed output quantization (1/256 from 0, 1/128 around 0); other
        /// parameters keep the op in float between a dequantize and a quantize.
        /// </summary>
        private static bool HasFixedOutputRange(UnaryFunction function, DataType result)
        {
            var (scale, zeroPoint) = function == UnaryFunction.Sigmoid ? (1f / 256, -128L) : (1f / 128, 0L);
            if (result.Element == ElementType.UInt8)
            {
                zeroPoint += 128;
            }

            return result.Quant is { } q && q.Scale == scale && q.ZeroPoint == zeroPoint;
        }

        /// <summary>Activation types of LiteRT's integer kernels: per-tensor int8/uint8, or int16 with zero point 0.</summary>
        private static bool IsActivation(DataType type) => type is { Quant: { IsPerTensor: true } q }
            && (Is8Bit(type.Element) || (type.Element == ElementType.Int16 && q.ZeroPoint == 0));

        private static bool Is8Bit(ElementType type) => type is ElementType.Int8 or ElementType.UInt8;

        /// <summary>Ops whose integer result is exactly the input's integers rearranged or compared.</summary>
        private static bool IsValuePreserving(Op op) => op is Unary { Function: UnaryFunction.Relu } or Identity or Dropout
            or Pool { Kind: PoolKind.Max } or GlobalPool { Kind: PoolKind.Max }
            or Ir.Ops.Reshape or Flatten or Squeeze or Unsqueeze or Transpose or Slice;

        /// <summary>Integer kernels that require the output quantized like the input.</summary>
        private static bool KeepsInputQuantization(Op op) => IsValuePreserving(op) || op is Pool or GlobalPool;

        private static bool RequiresSameQuantization(Op op) => op is Pool or GlobalPool or Ir.Ops.Reshape or Flatten or Squeeze
            or Unsqueeze or Transpose or Slice or Identity or Dropout;
    }
}
