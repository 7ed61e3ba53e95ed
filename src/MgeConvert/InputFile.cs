namespace MgeConvert;

internal static class InputFile
{
    public static void RequireExists(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ModelFormatException(path, "is a directory, expected a model file");
        }

        if (!File.Exists(path))
        {
            throw new ModelFormatException(path, "input file not found");
        }
    }
}
