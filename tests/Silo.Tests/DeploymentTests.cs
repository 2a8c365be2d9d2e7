using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Distributed.Dashboard;
using Distributed.Silo.Commands;
using Distributed.Silo.Hosting;
using Distributed.TestSupport;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Distributed.Silo.Tests;

/// <summary>
/// docker-compose.yml, infra/docker and infra/k8s against the app: they parse, and every image, command, port,
/// environment variable and secret they name is one the app (or the other files) actually has.
/// </summary>
public sealed partial class DeploymentTests(ITestOutputHelper output)
{
    private static readonly string Root = ExternalProcess.RepositoryRoot;
    private static readonly DistributedClusterOptions Defaults = new();

    private static readonly HashSet<string> PlainVariables =
    [
        ClusterConfiguration.StorageVariable, TrainingDashboardOptions.TokenVariable,
        // Orleans' Kubernetes hosting and the entrypoint's GPU assignment (infra/docker/entrypoint.sh).
        "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID", "POD_NAME", "POD_NAMESPACE", "POD_IP", "GPUS_PER_NODE",
    ];

    [Fact]
    public void Docker_compose_parses_and_names_images_ports_commands_and_settings_the_app_has()
    {
        var compose = (YamlMappingNode)Load("docker-compose.yml").Single().RootNode;
        var services = Map(compose, "services");
        Assert.Equal(["azurite", "silo0", "silo1", "dashboard"], services.Children.Keys.Select(Text));

        var silo0 = Map(services, "silo0");
        var build = Map(silo0, "build");
        Assert.Equal(".", Text(build["context"]));
        Assert.True(File.Exists(Path.Combine(Root, Text(build["dockerfile"]))), "compose builds from a Dockerfile that is not there");
        var image = Text(silo0["image"]);
        var exposed = Exposed();
        var gpus = new List<int>();
        foreach (var name in new[] { "silo0", "silo1", "dashboard" })
        {
            var service = Map(services, name);
            Assert.Equal(image, Text(service["image"]));
            var command = Text(((YamlSequenceNode)service["command"]).Children[0]);
            Assert.Equal(name == "dashboard" ? DashboardCommand.Create().Name : SiloCommand.Create().Name, command);
            var env = Environment(Map(service, "environment"));
            CheckVariables(name, env.Keys);
            Assert.Equal("azure", env["DISTRIBUTED_Cluster__Mode"]);
            Assert.True(env.ContainsKey(TrainingDashboardOptions.TokenVariable), $"{name}: its dashboard binds 0.0.0.0, so it needs {TrainingDashboardOptions.TokenVariable}");
            Assert.Equal("0.0.0.0", env["DISTRIBUTED_Cluster__Dashboard__Host"]);
            Assert.Contains(int.Parse(env["DISTRIBUTED_Cluster__Dashboard__Port"], CultureInfo.InvariantCulture), exposed);
            if (name != "dashboard")
            {
                Assert.Contains(int.Parse(env["DISTRIBUTED_Cluster__SiloPort"], CultureInfo.InvariantCulture), exposed);
                Assert.Contains(int.Parse(env["DISTRIBUTED_Cluster__GatewayPort"], CultureInfo.InvariantCulture), exposed);
                gpus.AddRange(env["DISTRIBUTED_Cluster__Gpus"].Split(',').Select(g => int.Parse(g, CultureInfo.InvariantCulture)));
            }
            else
            {
                var published = Text(((YamlSequenceNode)service["ports"]).Children[0]).Split(':');
                Assert.Equal(env["DISTRIBUTED_Cluster__Dashboard__Port"], published[1]);
            }
            // The storage connection string points at the azurite service's blob and table ports.
            var storage = env[ClusterConfiguration.StorageVariable];
            foreach (var port in ((YamlSequenceNode)Map(services, "azurite")["ports"]).Children.Select(p => Text(p).Split(':')[1]))
                Assert.Contains($"http://azurite:{port}/devstoreaccount1", storage);
        }
        // Global GPU indices are dense and owned once (the dashboard's worker discovery and the placement rely on it).
        Assert.Equal(Enumerable.Range(0, gpus.Count), gpus.Order());
    }

    [Fact]
    public void The_kubernetes_manifests_parse_and_agree_with_each_other_and_the_app()
    {
        var documents = Directory.GetFiles(Path.Combine(Root, "infra", "k8s"), "*.yaml").Order()
            .SelectMany(f => Load(Path.GetRelativePath(Root, f)).Select(d => (File: Path.GetFileName(f), Node: (YamlMappingNode)d.RootNode))).ToList();
        string Kind(YamlMappingNode d) => Text(d["kind"]);
        string Name(YamlMappingNode d) => Text(Map(d, "metadata")["name"]);
        string[] expected = ["ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "Service", "StatefulSet", "Secret"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), documents.Select(d => Kind(d.Node)).Order(StringComparer.Ordinal));
        var secret = documents.Single(d => Kind(d.Node) == "Secret").Node;
        var secretKeys = Map(secret, "stringData").Children.Keys.Select(Text).ToHashSet();
        var accounts = documents.Where(d => Kind(d.Node) == "ServiceAccount").Select(d => Name(d.Node)).ToHashSet();
        var exposed = Exposed();
        var images = new HashSet<string>();

        foreach (var workload in documents.Where(d => Kind(d.Node) is "StatefulSet" or "Deployment").Select(d => d.Node))
        {
            var spec = Map(workload, "spec");
            var template = Map(spec, "template");
            var labels = Map(Map(template, "metadata"), "labels");
            Assert.Equal(Text(Map(Map(spec, "selector"), "matchLabels")["app"]), Text(labels["app"]));
            var pod = Map(template, "spec");
            if (pod.Children.ContainsKey("serviceAccountName")) Assert.Contains(Text(pod["serviceAccountName"]), accounts);
            var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Children.Single();
            images.Add(Text(container["image"]));
            var command = Text(((YamlSequenceNode)container["args"]).Children[0]);
            Assert.Contains(command, new[] { SiloCommand.Create().Name, DashboardCommand.Create().Name });
            var ports = ((YamlSequenceNode)container["ports"]).Children.Cast<YamlMappingNode>()
                .ToDictionary(p => Text(p["name"]), p => int.Parse(Text(p["containerPort"]), CultureInfo.InvariantCulture));
            foreach (var port in ports.Values) Assert.Contains(port, exposed);
            var env = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>().ToList();
            CheckVariables(Name(workload), env.Select(e => Text(e["name"])));
            string? Value(string name) => env.SingleOrDefault(e => Text(e["name"]) == name) is { } e && e.Children.ContainsKey("value") ? Text(e["value"]) : null;
            Assert.Equal(ports.GetValueOrDefault("dashboard", ports.GetValueOrDefault("http")), int.Parse(Value("DISTRIBUTED_Cluster__Dashboard__Port")!, CultureInfo.InvariantCulture));
            Assert.Equal("0.0.0.0", Value("DISTRIBUTED_Cluster__Dashboard__Host"));
            Assert.Equal("azure", Value("DISTRIBUTED_Cluster__Mode"));
            if (command == SiloCommand.Create().Name)
            {
                Assert.Equal(ports["silo"], int.Parse(Value("DISTRIBUTED_Cluster__SiloPort")!, CultureInfo.InvariantCulture));
                Assert.Equal(ports["gateway"], int.Parse(Value("DISTRIBUTED_Cluster__GatewayPort")!, CultureInfo.InvariantCulture));
                // Orleans' Kubernetes hosting matches silos by these labels.
                Assert.True(labels.Children.ContainsKey("orleans/clusterId") && labels.Children.ContainsKey("orleans/serviceId"), "silo pods need the orleans/* labels");
                var gpuLimit = Text(Map(Map(container, "resources"), "limits")["nvidia.com/gpu"]);
                Assert.Equal(gpuLimit, Value("GPUS_PER_NODE"));
            }
            foreach (var e in env.Where(e => e.Children.ContainsKey("valueFrom")))
            {
                var from = Map(e, "valueFrom");
                if (from.Children.ContainsKey("secretKeyRef"))
                {
                    var reference = Map(from, "secretKeyRef");
                    Assert.Equal(Name(secret), Text(reference["name"]));
                    Assert.Contains(Text(reference["key"]), secretKeys);
                }
                else
                {
                    var path = Text(Map(from, "fieldRef")["fieldPath"]);
                    if (path.StartsWith("metadata.labels['", StringComparison.Ordinal))
                        Assert.True(labels.Children.ContainsKey(path[17..^2]), $"{Text(e["name"])} reads label {path} that the pod does not have");
                }
            }
        }
        Assert.Single(images);

        // Each Service selects a workload and targets one of its named ports.
        foreach (var service in documents.Where(d => Kind(d.Node) == "Service").Select(d => d.Node))
        {
            var app = Text(Map(Map(service, "spec"), "selector")["app"]);
            Assert.Contains(documents, d => Kind(d.Node) is "StatefulSet" or "Deployment" && Name(d.Node) == app);
        }
    }

    [Fact]
    public void The_dockerfile_exposes_the_apps_default_ports_and_copies_what_exists()
    {
        Assert.Equal(new[] { Defaults.SiloPort, Defaults.GatewayPort, Defaults.Dashboard.Port }.Order(), Exposed().Order());
        var dockerfile = File.ReadAllText(Path.Combine(Root, "infra", "docker", "Dockerfile"));
        foreach (Match copy in CopyLine().Matches(dockerfile))
            Assert.True(Path.Exists(Path.Combine(Root, copy.Groups[1].Value)), $"the Dockerfile copies {copy.Groups[1].Value}, which is not in the repository");
        Assert.Contains("dotnet publish src/Silo/Distributed.Silo.csproj", dockerfile);
        Assert.Contains("--self-contained", dockerfile);
    }

    [Fact]
    public async Task Where_a_container_engine_runs_the_compose_stack_comes_up_and_trains_a_tiny_job_and_its_absence_is_said()
    {
        var docker = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(p => Path.Combine(p, "docker")).FirstOrDefault(File.Exists);
        var why = docker is null ? "docker is not installed"
            : Docker(docker, TimeSpan.FromSeconds(60), "info").Code != 0 ? "docker is installed but no daemon runs"
            : Docker(docker, TimeSpan.FromSeconds(60), "compose", "version").Code != 0 ? "docker runs but has no compose plugin"
            : null;
        if (why is not null)
        {
            // Said in the test output and on the console of the test run, not silently passed over.
            var line = $"DeploymentTests: {why} on this machine: the compose stack was not brought up; the parse and consistency checks of this class ran.";
            output.WriteLine(line);
            Console.WriteLine(line);
            return;
        }
        string[] compose = ["compose", "-f", Path.Combine(Root, "docker-compose.yml"), "-p", $"distributed-test-{System.Environment.ProcessId}"];
        var (code, text) = Docker(docker!, TimeSpan.FromSeconds(60), [.. compose, "config", "--quiet"]);
        Assert.True(code == 0, $"docker compose config: {text}");
        try
        {
            (code, text) = Docker(docker!, TimeSpan.FromMinutes(20), [.. compose, "up", "--detach", "--build"]);
            Assert.True(code == 0, $"docker compose up: {text}");
            // The silos join through Azurite; a client is served once a gateway is in the membership table.
            await Eventually.WaitAsync("the compose cluster starting", "a client served through a silo's gateway", () =>
            {
                var list = Docker(docker!, TimeSpan.FromSeconds(90), [.. compose, "exec", "-T", "silo0", "/app/distributed", "job", "list", "--mode", "azure"]);
                return Task.FromResult((list.Code == 0, list.Code, list.Output));
            }, TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(2));
            // A tiny job on both silos' CPU workers; `job submit` follows it and exits 0 only when it completed.
            (code, text) = Docker(docker!, TimeSpan.FromMinutes(10),
                [.. compose, "exec", "-T", "silo0", "/app/distributed", "job", "submit", "/app/jobs/cluster-autocompressor.json", "--mode", "azure", "--steps", "4"]);
            output.WriteLine(text);
            Assert.True(code == 0, $"the tiny job on the compose stack did not complete (exit {code}):\n{text}");
        }
        finally
        {
            var down = Docker(docker!, TimeSpan.FromMinutes(2), [.. compose, "down", "--volumes"]);
            output.WriteLine($"docker compose down: exit {down.Code}");
        }
    }

    private static (int Code, string Output) Docker(string docker, TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo(docker, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment[TrainingDashboardOptions.TokenVariable] = "compose-config-check-token";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(timeout), $"docker {string.Join(' ', arguments)} did not finish in {timeout.TotalSeconds:F0} s");
        return (process.ExitCode, stdout.Result + stderr);
    }

    // A compose environment mapping, with YAML merge keys (<<: *cluster) resolved: YamlDotNet's representation model
    // keeps them as a plain "<<" entry.
    private static Dictionary<string, string> Environment(YamlMappingNode node)
    {
        var env = new Dictionary<string, string>();
        foreach (var (key, value) in node.Children)
        {
            if (Text(key) == "<<")
                foreach (var (k, v) in Environment((YamlMappingNode)value)) env.TryAdd(k, v);
            else env[Text(key)] = Text(value);
        }
        return env;
    }

    private static void CheckVariables(string where, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (PlainVariables.Contains(name)) continue;
            Assert.True(name.StartsWith(ClusterConfiguration.EnvironmentPrefix + DistributedClusterOptions.Section + "__", StringComparison.Ordinal),
                $"{where}: {name} is neither a DISTRIBUTED_Cluster__* key nor a variable the app or entrypoint reads");
            // DISTRIBUTED_Cluster__Dashboard__Port -> DistributedClusterOptions.Dashboard.Port
            Type type = typeof(DistributedClusterOptions);
            foreach (var part in name[(ClusterConfiguration.EnvironmentPrefix.Length + DistributedClusterOptions.Section.Length + 2)..].Split("__"))
            {
                var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance);
                Assert.True(property is { CanWrite: true }, $"{where}: {name} names no setting ({part} is not a property of {type.Name})");
                type = property!.PropertyType;
            }
        }
    }

    private static List<int> Exposed()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "infra", "docker", "Dockerfile"));
        return [.. ExposeLine().Match(dockerfile).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
    }

    private static IList<YamlDocument> Load(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, relative));
        stream.Load(reader);
        Assert.NotEmpty(stream.Documents);
        return stream.Documents;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    [GeneratedRegex(@"^EXPOSE ([0-9 ]+)$", RegexOptions.Multiline)]
    private static partial Regex ExposeLine();

    [GeneratedRegex(@"^COPY (?!--from)(\S+) ", RegexOptions.Multiline)]
    private static partial Regex CopyLine();
}
