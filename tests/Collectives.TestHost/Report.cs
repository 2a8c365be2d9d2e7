using System.Globalization;

namespace Distributed.Collectives.TestHost;

/// <summary>Prints one line per check and counts the failures.</summary>
internal sealed class Report(int rank)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public int Failures { get; private set; }

    public void Check(string name, bool ok, string detail)
    {
        if (!ok) Failures++;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CHECK {name} {(ok ? "OK" : "FAIL")} rank={rank} t={_clock.ElapsedMilliseconds}ms {detail}"));
    }

    public void Fail(string name, string detail) => Check(name, false, detail);

    public static void Line(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));

    public static long UnixMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
