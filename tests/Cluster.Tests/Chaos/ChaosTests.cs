using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Distributed.Cluster.Tests.Chaos;

// Issue 11's chaos suite: each scenario runs CHAOS_RUNS times (1 by default, in CI; 5 for bench/RESULTS.md "Recovery")
// with seeds CHAOS_SEED, CHAOS_SEED+1, ... (the seed picks the step, the victim and the moment within a step).
// CHAOS_RESULTS names a file that collects every run's measurements as JSON lines (bench/chaos.sh summarizes them).
public sealed class ChaosTests(ChaosFixture fixture, ITestOutputHelper output) : IClassFixture<ChaosFixture>
{
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_RUNS"), CultureInfo.InvariantCulture, out var n) ? n : 1;

    private static readonly int FirstSeed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 1;

    [Theory]
    [InlineData(ChaosScenario.WorkerKill)]
    [InlineData(ChaosScenario.CoordinatorKill)]
    [InlineData(ChaosScenario.CheckpointKill)]
    [InlineData(ChaosScenario.WorkerPause)]
    [InlineData(ChaosScenario.StorageOutage)]
    [InlineData(ChaosScenario.ThreeKills)]
    public async Task The_job_completes_with_every_sample_once_and_the_uninterrupted_losses(ChaosScenario scenario)
    {
        for (var run = 0; run < Runs; run++)
        {
            var seed = FirstSeed + run;
            try
            {
                var result = await new ChaosRun(fixture, output).RunAsync(scenario, seed);
                if (Environment.GetEnvironmentVariable("CHAOS_RESULTS") is { Length: > 0 } file)
                    await File.AppendAllTextAsync(file, JsonSerializer.Serialize(result) + "\n");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"{scenario} seed {seed}: {e.Message}\n{fixture.Cluster.Output}");
            }
            catch (Xunit.Sdk.XunitException e)
            {
                // The whole output of every silo beside the results (the message keeps only its tail).
                if (Environment.GetEnvironmentVariable("CHAOS_RESULTS") is { Length: > 0 } file)
                    await File.WriteAllTextAsync($"{file}.{scenario}-{seed}.silos.log", fixture.Cluster.Output);
                throw new Xunit.Sdk.XunitException($"{scenario} seed {seed}: {e.Message}\n{Tail(fixture.Cluster.Output)}");
            }
            finally
            {
                await fixture.RestoreAsync();
            }
        }
    }

    private static string Tail(string text) => text.Length <= 60_000 ? text : text[^60_000..];
}
