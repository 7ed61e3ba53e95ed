using MgeConvert.Formats;
using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Tests.Onnx;
using Xunit.Abstractions;

namespace MgeConvert.Tests.TracedModule;

public class TmpNodeSetProbe(ITestOutputHelper output)
{
    [Fact]
    public void Probe()
    {
        int pass = 0, uns = 0, mis = 0, skip = 0;
        using var temp = new Cli.TempDirectory();
        foreach (var dir in OnnxCorpus.Models("node").Concat(OnnxCorpus.Models("simple")))
        {
            var path = Path.Combine(dir, "model.onnx");
            List<Tensor> inputs, expected;
            try
            {
                inputs = OnnxCorpus.Tensors(dir, "input");
                expected = OnnxCorpus.Tensors(dir, "output");
                OnnxReader.Read(path, File.ReadAllBytes(path));
            }
            catch (Exception)
            {
                skip++;
                continue;
            }

            try
            {
                var bytes = TmWriterRoundTrip.Convert(ModelFormat.Onnx, path, temp.File("x.tm"));
                var actual = TmWriterRoundTrip.Run(TmWriterRoundTrip.ReadBack(bytes, "x.tm"), inputs);
                var p = TmWriterRoundTrip.Compare(expected, actual, 1e-4, 1e-4);
                if (p is null) { pass++; } else { mis++; output.WriteLine($"MISMATCH {Path.GetFileName(dir)}: {p}"); }
            }
            catch (UnsupportedOpsException) { uns++; }
            catch (Exception e) { mis++; output.WriteLine($"ERROR {Path.GetFileName(dir)}: {e.GetType().Name} {e.Message.Split('\n')[0]}"); }
        }

        output.WriteLine($"pass {pass} unsupported {uns} mismatched {mis} skipped {skip}");
    }
}
