using Google.FlatBuffers;
using MgeConvert.Formats.TFLite.Schema;

namespace MgeConvert.Formats.TFLite;

/// <summary>
/// Re-reads a written model and checks what the TFLite runtime's verifier checks: identifier and version,
/// index ranges, buffer sizes against shapes, and that every op input exists before it is read.
/// </summary>
internal static class TFLiteVerifier
{
    public static List<string> Check(byte[] bytes) => Check(new ArraySegment<byte>(bytes));

    public static List<string> Check(ArraySegment<byte> bytes)
    {
        var problems = new List<string>();
        try
        {
            CheckModel(bytes, problems);
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            problems.Add($"unreadable flatbuffer: {e.Message}");
        }

        return problems;
    }

    private static void CheckModel(ArraySegment<byte> bytes, List<string> problems)
    {
        var bb = new ByteBuffer(bytes.Array!, bytes.Offset);
        if (bytes.Count < 8 || !Model.ModelBufferHasIdentifier(bb))
        {
            problems.Add("missing file identifier TFL3");
            return;
        }

        var model = Model.GetRootAsModel(bb);
        if (model.Version != TFLiteModelBuilder.SchemaVersion)
        {
            problems.Add($"version {model.Version}, expected {TFLiteModelBuilder.SchemaVersion}");
        }

        if (model.BuffersLength == 0 || model.Buffers(0)!.Value.DataLength != 0)
        {
            problems.Add("buffer 0 must exist and be empty");
        }

        for (var i = 0; i < model.OperatorCodesLength; i++)
        {
            var code = model.OperatorCodes(i)!.Value;
            var expected = (sbyte)Math.Min((int)code.BuiltinCode, (int)BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES);
            if (code.DeprecatedBuiltinCode != expected)
            {
                problems.Add($"operator code {i}: deprecated_builtin_code {code.DeprecatedBuiltinCode} does not match {code.BuiltinCode}");
            }
        }

        if (model.SubgraphsLength != 1)
        {
            problems.Add($"{model.SubgraphsLength} subgraphs, expected 1");
            return;
        }

        CheckSubgraph(model, model.Subgraphs(0)!.Value, problems);
        for (var i = 0; i < model.SignatureDefsLength; i++)
        {
            var sig = model.SignatureDefs(i)!.Value;
            var tensors = model.Subgraphs(0)!.Value.TensorsLength;
            for (var j = 0; j < sig.InputsLength; j++)
            {
                if (sig.Inputs(j)!.Value.TensorIndex >= tensors)
                {
                    problems.Add($"signature input {j} points past the tensors");
                }
            }

            for (var j = 0; j < sig.OutputsLength; j++)
            {
                if (sig.Outputs(j)!.Value.TensorIndex >= tensors)
                {
                    problems.Add($"signature output {j} points past the tensors");
                }
            }
        }
    }

    private static void CheckSubgraph(Model model, SubGraph g, List<string> problems)
    {
        var tensorCount = g.TensorsLength;
        var available = new bool[tensorCount];
        var isConstant = new bool[tensorCount];
        for (var i = 0; i < tensorCount; i++)
        {
            var t = g.Tensors(i)!.Value;
            if (t.Buffer >= model.BuffersLength)
            {
                problems.Add($"tensor {i} ({t.Name}): buffer {t.Buffer} out of range");
                continue;
            }

            long elements = 1;
            for (var d = 0; d < t.ShapeLength; d++)
            {
                if (t.Shape(d) < 0)
                {
                    problems.Add($"tensor {i} ({t.Name}): negative dimension");
                }

                elements = checked(elements * Math.Max(t.Shape(d), 0));
            }

            var data = model.Buffers((int)t.Buffer)!.Value.DataLength;
            if (data > 0)
            {
                isConstant[i] = available[i] = true;
                var expected = elements * TFLiteTypes.SizeOf(t.Type);
                if (data != expected || expected > uint.MaxValue)
                {
                    problems.Add($"tensor {i} ({t.Name}): buffer holds {data} bytes, shape and type need {expected}");
                }
            }

            if (t.Quantization is { } q && q.ScaleLength > 0)
            {
                if (q.ScaleLength != q.ZeroPointLength)
                {
                    problems.Add($"tensor {i} ({t.Name}): {q.ScaleLength} scales but {q.ZeroPointLength} zero points");
                }

                if (q.ScaleLength > 1 && (q.QuantizedDimension < 0 || q.QuantizedDimension >= t.ShapeLength
                    || t.Shape(q.QuantizedDimension) != q.ScaleLength))
                {
                    problems.Add($"tensor {i} ({t.Name}): {q.ScaleLength} scales do not match dimension {q.QuantizedDimension}");
                }
            }
        }

        for (var i = 0; i < g.InputsLength; i++)
        {
            var index = g.Inputs(i);
            if (InRange(index, tensorCount, $"subgraph input {i}", problems))
            {
                available[index] = true;
            }
        }

        for (var o = 0; o < g.OperatorsLength; o++)
        {
            var op = g.Operators(o)!.Value;
            if (op.OpcodeIndex >= model.OperatorCodesLength)
            {
                problems.Add($"operator {o}: opcode index {op.OpcodeIndex} out of range");
            }

            for (var i = 0; i < op.InputsLength; i++)
            {
                var index = op.Inputs(i);
                if (index != -1 && InRange(index, tensorCount, $"operator {o} input {i}", problems) && !available[index])
                {
                    problems.Add($"operator {o} input {i}: tensor {index} is read before anything computes it");
                }
            }

            for (var i = 0; i < op.OutputsLength; i++)
            {
                var index = op.Outputs(i);
                if (!InRange(index, tensorCount, $"operator {o} output {i}", problems))
                {
                    continue;
                }

                if (isConstant[index] || available[index])
                {
                    problems.Add($"operator {o} output {i}: tensor {index} is a constant, an input or computed twice");
                }

                available[index] = true;
            }
        }

        for (var i = 0; i < g.OutputsLength; i++)
        {
            var index = g.Outputs(i);
            if (InRange(index, tensorCount, $"subgraph output {i}", problems) && !available[index])
            {
                problems.Add($"subgraph output {i}: tensor {index} is never computed");
            }
        }
    }

    private static bool InRange(int index, int count, string what, List<string> problems)
    {
        if (index >= 0 && index < count)
        {
            return true;
        }

        problems.Add($"{what}: tensor index {index} out of range");
        return false;
    }
}
