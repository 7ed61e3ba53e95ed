using MgeConvert.Formats.Npy;
using MgeConvert.Ir;
using MgeConvert.Reference;

namespace MgeConvert.Cli.Verification;

/// <summary>The inputs both models run on: the given .npy files, else seeded random values of each input's type.</summary>
internal static class VerifyInputs
{
    public static Dictionary<string, Tensor> For(Graph graph, VerifySettings settings)
    {
        if (settings.InputFiles.Count > 0 && settings.InputFiles.Count != graph.Inputs.Count)
        {
            throw new ModelFormatException(
                settings.InputFiles[0],
                $"--verify-input was given {settings.InputFiles.Count} file(s) but the model has {graph.Inputs.Count} input(s) " +
                $"({string.Join(", ", graph.Inputs.Select(i => i.Name))}); give one .npy per input, in that order");
        }

        var random = new Random(settings.Seed);
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Inputs.Count; i++)
        {
            var input = graph.Inputs[i];
            inputs[input.Name] = settings.InputFiles.Count > 0 ? FromFile(settings.InputFiles[i], input) : Random(input, random);
        }

        return inputs;
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

        return tensor.DType.Element == input.Type.DType.Element ? tensor : TensorValues.Convert(tensor, input.Type.DType);
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
