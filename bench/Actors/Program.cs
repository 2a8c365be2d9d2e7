// Grain call latency and throughput: embedded (in-process) calls, and calls from a client to 1..3 silo processes over
// HTTP/2, against a bare Kestrel HTTP/2 echo round trip measured in the same run (the overhead ratio's reference).
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
    rows.Add(("plain HTTP/2 round trip (reference)", await Measure.RunAsync(_ => echo.CallAsync(), calls, concurrency)));
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
    var grains = Enumerable.Range(0, 64).Select(i => cluster.Client.GrainFactory.GetGrain<IHammerGrain>($"g{i}")).ToArray();
    rows.Add(($"grain call, remote ({silos} silo{(silos > 1 ? "s" : "")})", await Measure.RunAsync(i => grains[i % grains.Length].HitAsync(), calls, concurrency)));
}

var reference = rows[0].Stats.MedianUs;
Console.WriteLine($"calls per row: {calls}, concurrency for throughput: {concurrency}");
Console.WriteLine();
Console.WriteLine("| call | median (µs) | p99 (µs) | throughput (calls/s) | median vs plain HTTP/2 |");
Console.WriteLine("|---|---:|---:|---:|---:|");
foreach (var (name, stats) in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {stats.MedianUs:F0} | {stats.P99Us:F0} | {stats.CallsPerSecond:F0} | {stats.MedianUs / reference:F2}x |"));
}
