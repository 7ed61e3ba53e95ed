using System.Numerics;
using MgeConvert.Formats.Pickle;

namespace MgeConvert.Tests.Pickle;

/// <summary>Random nested Python-like values (reader representation) for property tests.</summary>
internal sealed class RandomPyValues(int seed)
{
    private readonly Random _random = new(seed);

    public object? Value(int depth = 0)
    {
        var kind = _random.Next(depth >= 4 ? 7 : 11);
        return kind switch
        {
            0 => null,
            1 => _random.Next(2) == 0,
            2 => SmallInt(),
            3 => BigInt(),
            4 => Double(),
            5 => String(),
            6 => Bytes(),
            7 => new PyList(Enumerable.Range(0, _random.Next(5)).Select(_ => Value(depth + 1))),
            8 => new PyTuple([.. Enumerable.Range(0, _random.Next(5)).Select(_ => Value(depth + 1))]),
            9 => Dict(depth),
            _ => Set(),
        };
    }

    private object Key() => _random.Next(4) switch
    {
        0 => SmallInt(),
        1 => String(),
        2 => new PyTuple([SmallInt(), String()]),
        _ => Bytes(),
    };

    private PyDict Dict(int depth)
    {
        var d = new PyDict();
        for (var i = _random.Next(5); i > 0; i--)
        {
            d.Set(Key(), Value(depth + 1));
        }

        return d;
    }

    private PySet Set()
    {
        var s = new PySet(_random.Next(3) == 0);
        for (var i = _random.Next(5); i > 0; i--)
        {
            s.Add(Key());
        }

        return s;
    }

    private long SmallInt() => _random.Next(4) switch
    {
        0 => _random.Next(256),
        1 => _random.Next(int.MinValue, int.MaxValue),
        2 => _random.NextInt64(long.MinValue, long.MaxValue),
        _ => -_random.Next(70000),
    };

    private object BigInt()
    {
        var bytes = new byte[9 + _random.Next(40)];
        _random.NextBytes(bytes);
        var v = new BigInteger(bytes);
        return v >= long.MinValue && v <= long.MaxValue ? (object)(long)v : v;
    }

    private double Double() => _random.Next(5) switch
    {
        0 => 0.0,
        1 => double.NegativeInfinity,
        2 => BitConverter.Int64BitsToDouble(_random.NextInt64()) is var d && !double.IsNaN(d) ? d : 1.5,
        _ => (_random.NextDouble() - 0.5) * 1e6,
    };

    private string String()
    {
        var chars = "abc xyzÄé中文\u0001\n'\"\\😀";
        var n = _random.Next(_random.Next(10) == 0 ? 300 : 12);
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < n; i++)
        {
            var ch = chars[_random.Next(chars.Length)];
            if (char.IsSurrogate(ch))
            {
                sb.Append("😀");
                continue;
            }

            sb.Append(ch);
        }

        return sb.ToString();
    }

    private byte[] Bytes()
    {
        var b = new byte[_random.Next(_random.Next(10) == 0 ? 400 : 16)];
        _random.NextBytes(b);
        return b;
    }
}
