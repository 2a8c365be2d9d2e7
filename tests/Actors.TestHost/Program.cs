// A silo process for the cluster tests and the benchmark: joins the cluster in etcd, hosts the test grains with file
// state, prints "READY <endpoint>" once it serves (after "ECHO <url>" of a bare HTTP/2 echo endpoint with --echo), and stops gracefully when its standard input says "stop" or closes.
using System.Globalization;
using Distributed.Actors.Etcd;
using Distributed.Actors.Hosting;
using Distributed.Actors.TestHost;
using Serilog;

var arguments = args.Select((value, index) => (value, index)).Where(a => a.value.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(a => a.value[2..], a => args.ElementAtOrDefault(a.index + 1) ?? "");
string Argument(string name, string fallback) => arguments.TryGetValue(name, out var value) ? value : fallback;

var name = Argument("name", "silo");
Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Is(Enum.Parse<Serilog.Events.LogEventLevel>(Argument("log-level", "Information")))
    .Enrich.FromLogContext()
    .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SiloName} {GrainId} {Message:lj}{NewLine}{Exception}")
    .CreateLogger();

var etcd = new EtcdOptions
{
    Endpoint = new Uri(Argument("etcd", "http://127.0.0.1:2379")),
    ClusterId = Argument("cluster", "test"),
    LeaseTtl = TimeSpan.FromMilliseconds(int.Parse(Argument("lease-ttl-ms", "3000"), CultureInfo.InvariantCulture)),
};
await using var silo = SiloBuilder.Create(name)
    .UseEtcdClustering(etcd)
    .Configure(o => o.Port = int.Parse(Argument("port", "0"), CultureInfo.InvariantCulture))
    .AddFileStorage(Argument("state-dir", Path.Combine(Path.GetTempPath(), "distributed-state")))
    .AddTestGrains()
    .UseSerilog(Log.Logger)
    .Build();
await silo.StartAsync();
// The benchmark's cross-process reference: a bare HTTP/2 round trip to this process.
await using var echo = arguments.ContainsKey("echo") ? await EchoServer.StartAsync() : null;
if (echo is not null)
{
    Console.WriteLine($"ECHO {echo.Endpoint}");
}
Console.WriteLine($"READY {silo.Silo.Endpoint}");
while (await Console.In.ReadLineAsync() is { } line && line != "stop")
{
}
await silo.StopAsync();
await Log.CloseAndFlushAsync();
