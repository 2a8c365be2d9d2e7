using System.Globalization;
using Distributed.Grains.Jobs;
using Distributed.Silo.Hosting;
using Distributed.TestSupport;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace Distributed.Cluster.Tests;

// Cluster mode "host": the silos of one machine (a GPU host, one process per GPU) form a cluster through the primary
// silo, with grain state in files of a shared folder and no storage service. A job on it survives the kill -9 of a
// worker's process like on an azure-mode cluster.
public sealed class HostModeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_silos_of_one_machine_form_a_cluster_without_a_storage_service_and_a_job_survives_a_killed_worker()
    {
        var state = Directory.CreateTempSubdirectory("host-state-").FullName;
        var checkpoints = Directory.CreateTempSubdirectory("host-checkpoints-").FullName;
        var primaryPort = ExternalProcess.FreePort();
        var gateway = ExternalProcess.FreePort();
        var silos = new List<ExternalProcess>();
        ExternalProcess Silo(string name, string gpus, int siloPort, int gatewayPort) => ExternalProcess.Start($"silo {name}", "dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "distributed.dll"), "silo", "--mode", "host", "--state-dir", state, "--primary-port", S(primaryPort),
            "--silo-port", S(siloPort), "--gateway-port", S(gatewayPort), "--name", name, "--gpus", gpus, "--dashboard-port", "off",
        ]);
        try
        {
            // The primary first (the others join through it), without GPUs: the job's coordinator goes there.
            silos.Add(Silo("h1", "", primaryPort, gateway));
            await silos[0].WaitForLineAsync(" ready: ", TimeSpan.FromSeconds(60));
            silos.Add(Silo("h2", "0", ExternalProcess.FreePort(), ExternalProcess.FreePort()));
            silos.Add(Silo("h3", "1", ExternalProcess.FreePort(), ExternalProcess.FreePort()));
            foreach (var s in silos.Skip(1)) await s.WaitForLineAsync(" ready: ", TimeSpan.FromSeconds(60));

            var options = new DistributedClusterOptions { Mode = "host", GatewayPort = gateway, StateDirectory = state };
            await using var client = await ClusterConnection.ConnectAsync(options, new ConfigurationBuilder().Build());
            var id = JobClusterFixture.NewId("host");
            const int steps = 40;
            await client.Grains.GetGrain<IJobGrain>(id).SubmitAsync(JobClusterFixture.Spec(JobClusterFixture.TinyJob(steps), 1, 2, checkpoints, checkpointEvery: 10));
            var before = await JobClusterFixture.WaitForStepAsync(client.Grains, id, 5, TimeSpan.FromMinutes(2), "training on two workers");
            Assert.Equal([0, 1], before.World.Select(m => m.Gpu));
            Assert.Equal("h1", before.Coordinator);

            silos[2].Kill();
            var end = await JobClusterFixture.WaitForEndAsync(client.Grains, id, TimeSpan.FromMinutes(3), "training after the kill of h3");
            foreach (var e in end.Events) output.WriteLine($"{e.Time:HH:mm:ss.fff} {e.Kind}: {e.Detail}");
            Assert.True(end.State == JobState.Completed, $"{end.State}: {end.Error}");
            Assert.Equal(steps, end.Step);
            Assert.Contains(end.Events, e => e.Kind == JobEventKinds.Detected);
            Assert.Contains(end.Events, e => e.Kind == JobEventKinds.Started && e.Detail.Contains("trains again", StringComparison.Ordinal));
            Assert.Equal([0], end.World.Select(m => m.Gpu));

            // The job's state is a plain JSON file in the shared folder.
            var files = Directory.GetFiles(state, "*.json", SearchOption.AllDirectories);
            var job = files.Single(f => File.ReadAllText(f) is var json && json.Contains("\"Spec\"", StringComparison.Ordinal) && json.Contains($"\"TotalSteps\":{steps}", StringComparison.Ordinal));
            Assert.DoesNotContain("$type", File.ReadAllText(job));
            Assert.Empty(Directory.GetFiles(state, "*.tmp", SearchOption.AllDirectories));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{string.Join("\n\n", silos.Select(s => s.OutputText))}");
        }
        finally
        {
            foreach (var s in silos)
            {
                s.Terminate();
                await s.WaitForExitAsync(TimeSpan.FromSeconds(15));
                s.Dispose();
            }
            Directory.Delete(state, recursive: true);
            Directory.Delete(checkpoints, recursive: true);
        }
    }

    private static string S(int port) => port.ToString(CultureInfo.InvariantCulture);
}
