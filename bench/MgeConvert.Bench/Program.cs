using MgeConvert.Bench;

return args switch
{
    ["convert", var from, var to, var input, var output] => ConversionProbe.Run(from, to, input, output),
    ["noop"] => ConversionProbe.Report(),
    ["write", var input, var path] => Benchmark.WriteModel(input, path),
    [] => Benchmark.Run(runs: 5),
    ["--runs", var n] => Benchmark.Run(int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MgeConvert.Bench [--runs N]");
    return 2;
}
