using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

internal delegate Value[] TmHandler(TmCall call);

/// <summary>
/// The TracedModule op table: one entry per module class ("megengine.module.conv.Conv2d"), function
/// ("megengine.functional.nn.relu"), Tensor method ("Tensor.__add__") and Apply op ("Apply.GetVarShape").
/// </summary>
internal static class TmOpTable
{
    public static readonly IReadOnlyDictionary<string, TmHandler> Handlers = Build();

    private static Dictionary<string, TmHandler> Build()
    {
        var table = new Dictionary<string, TmHandler>(StringComparer.Ordinal);
        TmModuleOps.Register(table);
        TmFunctionOps.Register(table);
        TmMethodOps.Register(table);
        return table;
    }
}
