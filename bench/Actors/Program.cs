// Grain call latency and throughput: embedded (in-process) calls, and calls from a client to 1..3 silo processes over
// HTTP/2, against bare Kestrel HTTP/2 echo round trips measured in the same run: in this process, and to the silo
// process (the reference of the overhead ratio for remote calls, as it pays the same cross-process hop).
// Usage: dotnet run -c Release --project bench/Actors -- [calls] [concurrency]
using System.Globalization;
using Distributed.Actors.Bench;
using Distributed.Actors.Hosting;
using Distributed.Actors.TestHost;
using Distributed.Actors.TestHost.Grains;

var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
var rows = new List<(string Name, LatencyStats Stats)>();

await using (var echo = await EchoServer.StartAsync())
{
    rows.Add(("plain HTTP/2 round trip, in-process", await Measure.RunAsync(_ => echo.CallAsync(), calls, concurrency)));
}

await using (var embedded = SiloBuilder.Create("bench").AddMemoryStorage().AddTestGrains().Build())
{
    await embedded.StartAsync();
    var grains = Enumerable.Range(0, 64).Select(i => embedded.GrainFactory.GetGrain<IHammerGrain>($"g{i}")).ToArray();
    rows.Add(("grain call, local (embedded)", await Measure.RunAsync(i => grains[i % grains.Length].HitAsync(), calls, concurrency)));
}

for (var silos = 1; silos <= 3; silos++)
{
    await using var cluster = await BenchCluster.StartAsync(silos);
    if (silos == 1)
    {
        await using var echo = EchoServer.Remote(cluster.Echo);
        rows.Add(("plain HTTP/2 round trip, to the silo process (reference)", await Measure.RunAsync(_ => echo.CallAsync(), calls, concurrency)));
    }
    var grains = Enumerable.Range(0, 64).Select(i => cluster.Client.GrainFactory.GetGrain<IHammerGrain>($"g{i}")).ToArray();
    rows.Add(($"grain call, remote ({silos} silo{(silos > 1 ? "s" : "")})", await Measure.RunAsync(i => grains[i % grains.Length].HitAsync(), calls, concurrency)));
}

var reference = rows.Single(r => r.Name.EndsWith("(reference)", StringComparison.Ordinal)).Stats.MedianUs;
Console.WriteLine($"calls per row: {calls}, concurrency for throughput: {concurrency}");
Console.WriteLine();
Console.WriteLine("| call | median (µs) | p99 (µs) | throughput (calls/s) | median vs plain HTTP/2 to the silo |");
Console.WriteLine("|---|---:|---:|---:|---:|");
foreach (var (name, stats) in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {stats.MedianUs:F0} | {stats.P99Us:F0} | {stats.CallsPerSecond:F0} | {stats.MedianUs / reference:F2}x |"));
}
