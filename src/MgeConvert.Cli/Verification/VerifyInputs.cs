using MgeConvert.Formats.Npy;
using MgeConvert.Ir;
using MgeConvert.Reference;

namespace MgeConvert.Cli.Verification;

/// <summary>The inputs both models run on: the given .npy files, else seeded random values of each input's type.</summary>
internal static class VerifyInputs
{
    /// <summary>Entries "name=file.npy" bind by input name, plain "file.npy" entries take the remaining inputs in order.</summary>
    public static Dictionary<string, Tensor> For(Graph graph, VerifySettings settings)
    {
        var files = Bind(graph, settings.InputFiles);
        var random = new Random(settings.Seed);
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs)
        {
            inputs[input.Name] = files.TryGetValue(input.Name, out var file) ? FromFile(file, input) : Random(input, random);
        }

        return inputs;
    }

    private static Dictionary<string, string> Bind(Graph graph, IReadOnlyList<string> entries)
    {
        var bound = new Dictionary<string, string>(StringComparer.Ordinal);
        var positional = new List<string>();
        foreach (var entry in entries)
        {
            var split = entry.IndexOf('=', StringComparison.Ordinal);
            if (split > 0 && graph.Inputs.Any(i => i.Name == entry[..split]))
            {
                bound[entry[..split]] = entry[(split + 1)..];
            }
            else
            {
                positional.Add(entry);
            }
        }

        var free = graph.Inputs.Where(i => !bound.ContainsKey(i.Name)).ToList();
        if (entries.Count > 0 && positional.Count != free.Count)
        {
            throw new ModelFormatException(
                entries[0],
                $"--verify-input: the model has {graph.Inputs.Count} input(s) ({string.Join(", ", graph.Inputs.Select(i => i.Name))}); " +
                "give one .npy per input, in that order or as name=file.npy");
        }

        for (var i = 0; i < positional.Count; i++)
        {
            bound[free[i].Name] = positional[i];
        }

        return bound;
    }

    private static Tensor FromFile(string path, Value input)
    {
        var tensor = NpyFile.Read(path);
        var expected = input.Type.Shape;
        if (expected.HasRank && (expected.Rank != tensor.Shape.Rank
            || expected.Zip(tensor.Shape).Any(d => d.First >= 0 && d.First != d.Second)))
        {
            throw new ModelFormatException(path, $"input {input.Name} expects shape {expected}, the file holds {tensor.Shape}");
        }

        // A .npy of a quantized input holds the stored integers; they take the input's quantization parameters.
        return tensor.DType.Element == input.Type.DType.Element
            ? new Tensor(input.Type.DType, tensor.Shape, tensor.Bytes)
            : TensorValues.Convert(tensor, input.Type.DType);
    }

    /// <summary>Floats uniform in [-1, 1), integers in [0, 2) (safe as indices), bools either; unknown dims are 1.</summary>
    private static Tensor Random(Value input, Random random)
    {
        var shape = input.Type.Shape;
        var dims = shape.HasRank ? shape.Select(d => d < 0 ? 1 : d).ToArray() : [1];
        var count = dims.Aggregate(1L, (p, d) => p * d);
        var dtype = input.Type.DType;
        if (dtype.Element.IsFloat() || dtype.Quant is not null)
        {
            var values = new double[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = (random.NextDouble() * 2) - 1;
            }

            return TensorValues.FromReals(dtype, dims, values);
        }

        var integers = new long[count];
        for (var i = 0; i < count; i++)
        {
            integers[i] = random.Next(2);
        }

        return TensorValues.FromIntegers(dtype, dims, integers);
    }
}
