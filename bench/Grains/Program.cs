using System.Diagnostics;
using System.Globalization;
using Distributed.Bench.Grains;
using Distributed.Grains.Diagnostics;
using Distributed.Grains.Workers;
using Distributed.Silo.Hosting;
using Distributed.TestSupport;
using Microsoft.Extensions.Configuration;

// Grain call latency and throughput on this machine, against a plain HTTP/2 (h2c) round trip measured in the same run.
// Two `distributed silo` processes on loopback with Azurite: s1 (gateway, GPU 0) and s2 (no gateway, GPU 1); this
// process is the client, so a call to worker 1 goes client -> s1 -> s2 and back (two hops), worker 0 one hop. The h2c
// server runs in a process of its own (one hop).
// Usage: dotnet run -c Release --project bench/Grains -- [CALLS=5000] [CALLERS=32] [SECONDS=3]
if (args is ["serve-h2c", var servePort])
{
    await H2cServer.ServeAsync(int.Parse(servePort, CultureInfo.InvariantCulture));
    return;
}
var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var callers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
var seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 3;
const int Rounds = 3;

await using var storage = await AzuriteServer.StartAsync();
var clusterId = "bench" + Environment.ProcessId;
using var s1 = await SiloProcess.StartAsync("s1", clusterId, storage.ConnectionString, "0");
using var s2 = await SiloProcess.StartAsync("s2", clusterId, storage.ConnectionString, "1", ["--gateway-port", "0"]);
await using var cluster = await ClusterConnection.ConnectAsync(
    new DistributedClusterOptions { Mode = "azure", ClusterId = clusterId, StorageConnectionString = storage.ConnectionString }, new ConfigurationBuilder().Build());
await using var h2c = await H2cServer.StartAsync(ExternalProcess.FreePort());

var remote = cluster.Grains.GetGrain<IWorkerGrain>(1);
var local = cluster.Grains.GetGrain<IWorkerGrain>(0);
if ((await remote.PingAsync()).Silo != "s2" || (await local.PingAsync()).Silo != "s1") throw new InvalidOperationException("workers are not where the benchmark needs them");

Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {calls} sequential calls per round after {calls / 10} warm-up calls, {Rounds} rounds alternated");
var samples = new Dictionary<string, List<double>>
{
    ["orleans grain -> grain on another silo (s1 -> s2)"] = [],
    ["orleans 2 hops (client -> s1 -> grain on s2)"] = [],
    ["orleans 1 hop (client -> grain on s1)"] = [],
    ["h2c round trip to another process (Kestrel)"] = [],
};
Func<Task>[] targets = [() => Task.CompletedTask, () => remote.PingAsync(), () => local.PingAsync(), () => h2c.PingAsync()];
for (var round = 0; round < Rounds; round++)
{
    // Silo to silo: worker 0 (on s1) times its own calls to worker 1 (on s2), so no client hop is counted.
    await local.TimePeerCallsAsync(1, calls / 10);
    samples.Values.First().AddRange(await local.TimePeerCallsAsync(1, calls));
    foreach (var (name, target) in samples.Keys.Zip(targets).Skip(1))
    {
        for (var i = 0; i < calls / 10; i++) await target();
        var list = samples[name];
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await target();
            list.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
    }
}
var stats = samples.ToDictionary(s => s.Key, s => LatencyStats.From(s.Value));
foreach (var (name, s) in stats) Console.WriteLine($"{name,-52} {s}");
var h2cMedian = stats.Values.Last().MedianUs;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"ratios to h2c (medians): grain->grain on another silo {stats.Values.First().MedianUs / h2cMedian:F2} (goal <= 1.2), client 2 hops {stats.Values.ElementAt(1).MedianUs / h2cMedian:F2}, client 1 hop {stats.Values.ElementAt(2).MedianUs / h2cMedian:F2}"));

Console.WriteLine($"throughput, {callers} concurrent callers, {seconds} s each:");
var probes = Enumerable.Range(0, callers).Select(i => cluster.Grains.GetGrain<IProbeGrain>($"bench-{i}")).ToArray();
foreach (var p in probes) await p.ReadAsync();
await ThroughputAsync("one worker grain on s2 (2 hops)", _ => remote.PingAsync());
await ThroughputAsync($"{callers} probe grains over both silos", i => probes[i].ReadAsync());
await ThroughputAsync("h2c, one HTTP/2 connection", _ => h2c.PingAsync());
await s1.StopAsync();
await s2.StopAsync();

async Task ThroughputAsync(string name, Func<int, Task> call)
{
    var stop = Stopwatch.StartNew();
    var deadline = TimeSpan.FromSeconds(seconds);
    var counts = await Task.WhenAll(Enumerable.Range(0, callers).Select(async i =>
    {
        var n = 0L;
        while (stop.Elapsed < deadline)
        {
            await call(i);
            n++;
        }
        return n;
    }));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-40} {counts.Sum() / stop.Elapsed.TotalSeconds,10:N0} calls/s"));
}
