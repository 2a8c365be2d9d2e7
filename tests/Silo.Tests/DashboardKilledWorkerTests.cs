using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Distributed.Dashboard.Tests;
using Distributed.Grains.Jobs;
using Distributed.Silo.Hosting;
using Distributed.TestSupport;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Distributed.Silo.Tests;

/// <summary>
/// Issue 12's "a killed worker shows up on the timeline", with a real kill: Azurite and three `distributed silo --mode
/// azure` processes (s1 without GPUs, where the coordinator goes; s2 and s3 with one CPU worker each), the dashboard
/// as its own process (`distributed dashboard --mode azure`, an Orleans client of that cluster) and Debian's chromium
/// on the job page while one worker's silo gets kill -9. What the page must show comes from the job grain's timeline
/// (issue 11's recovery): the failure detected, the worker lost, a new world of the survivor, and the job Running again.
/// </summary>
public sealed partial class DashboardKilledWorkerTests(Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // Far more than the test lets it train: the job is still running when the worker is killed, and is cancelled at the end.
    private const int Steps = 5000;

    [Fact]
    public async Task A_killed_worker_shows_up_on_the_job_page_timeline_and_the_job_goes_on_with_the_survivor()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await LocalCluster.StartAsync(["", "0", "1"]);
        var storage = Directory.CreateTempSubdirectory("dashboard-kill-").FullName;
        using var dashboard = ExternalProcess.Start("dashboard", "dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "distributed.dll"), "dashboard", "--mode", "azure", "--cluster-id", cluster.ClusterId, "--dashboard-port", "0",
        ], environment: new Dictionary<string, string> { [ClusterConfiguration.StorageVariable] = cluster.Storage.ConnectionString });
        var id = $"dash-kill-{Guid.NewGuid().ToString("N")[..6]}";
        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        var run = new Run(cluster, dashboard, job);
        IPage? page = null;
        try
        {
            var url = await run.PhaseAsync("the dashboard process connecting to the cluster", async () =>
            {
                var line = await dashboard.WaitForLineAsync("Dashboard ready: ", Timeout);
                return new Uri(DashboardUrl().Match(line).Value);
            });
            Assert.Equal("127.0.0.1", url.Host);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: cluster {cluster.ClusterId} and dashboard {url} up");

            await run.PhaseAsync("submitting the job", () => job.SubmitAsync(ClusterTestJobs.Spec(ClusterTestJobs.File(Steps), min: 1, max: 2, storage)));

            page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1100 } });
            page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e);
            var opened = page;
            var expect = new LocatorAssertionsToHaveCountOptions { Timeout = (float)Timeout.TotalMilliseconds };

            var before = await run.PhaseAsync("the job page while both workers train", async () =>
            {
                var response = await opened.GotoAsync(new Uri(url, $"/jobs/{id}").ToString());
                Assert.True(response?.Ok == true, $"the job page answered {response?.Status}");
                await Assertions.Expect(opened.Locator("#job-state [data-state]")).ToHaveTextAsync("Running", new() { Timeout = expect.Timeout });
                await Assertions.Expect(opened.Locator("#job-summary")).ToContainTextAsync("(2 workers)", new() { Timeout = expect.Timeout });
                await WaitForPointsAsync(opened, 3);
                await Assertions.Expect(opened.Locator("#timeline li[data-kind='world-formed']")).ToHaveCountAsync(1, expect);
                foreach (var kind in new[] { JobEventKinds.Detected, JobEventKinds.WorkerLost })
                    await Assertions.Expect(opened.Locator($"#timeline li[data-kind='{kind}']")).ToHaveCountAsync(0);
                return await PointsAsync(opened);
            });
            await opened.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Screenshots, "killed-worker-before.png"), FullPage = true });

            // kill -9 of the silo of the world's last rank (the survivor is rank 0, so the new world is the survivor alone).
            var status = await job.GetStatusAsync();
            var victim = status.World.MaxBy(m => m.Rank)!;
            var silo = cluster.Silos.Single(s => s.Gpus == victim.Gpu.ToString(CultureInfo.InvariantCulture));
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: step {status.Step}, {before} loss points; kill -9 of {silo.Name} (GPU {victim.Gpu}, rank {victim.Rank})");
            silo.Kill();

            await run.PhaseAsync($"the job page after kill -9 of {silo.Name} (GPU {victim.Gpu}, rank {victim.Rank})", async () =>
            {
                await Assertions.Expect(opened.Locator($"#timeline li[data-kind='{JobEventKinds.Detected}']").First).ToBeVisibleAsync(new() { Timeout = expect.Timeout });
                await Assertions.Expect(opened.Locator($"#timeline li[data-kind='{JobEventKinds.WorkerLost}']").First).ToContainTextAsync(
                    $"GPU {victim.Gpu}", new() { Timeout = expect.Timeout });
                await Assertions.Expect(opened.Locator($"#timeline li[data-kind='{JobEventKinds.WorldFormed}']")).ToHaveCountAsync(2, expect);
                await Assertions.Expect(opened.Locator($"#timeline li[data-kind='{JobEventKinds.Started}']", new() { HasText = "trains again" }))
                    .ToHaveCountAsync(1, expect);
                await Assertions.Expect(opened.Locator("#job-state [data-state]")).ToHaveTextAsync("Running", new() { Timeout = expect.Timeout });
                await Assertions.Expect(opened.Locator("#job-summary")).ToContainTextAsync("(1 workers)", new() { Timeout = expect.Timeout });
                // The survivor trains on: the loss chart gains points past the step reached before the kill.
                await WaitForPointsAsync(opened, before + 3);
            });
            await opened.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Screenshots, "killed-worker-after.png"), FullPage = true });
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the page shows the recovery; {await PointsAsync(opened)} loss points");

            await run.PhaseAsync("cancelling the job from the page", async () =>
            {
                await opened.ClickAsync("#cancel");
                await Assertions.Expect(opened.Locator("#message")).ToHaveTextAsync("cancel: done", new() { Timeout = expect.Timeout });
                await Assertions.Expect(opened.Locator("#job-state [data-state]")).ToHaveTextAsync("Cancelled", new() { Timeout = expect.Timeout });
            });
            Assert.True(errors.Count == 0, $"the page logged errors: {string.Join("; ", errors)}");
            var end = await job.GetStatusAsync();
            foreach (var e in end.Events) output.WriteLine($"{e.Time:HH:mm:ss.fff} {e.Kind}: {e.Detail}");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: cancelled at step {end.Step}");
        }
        finally
        {
            if (page is not null) await page.CloseAsync();
            dashboard.Terminate();
            if (!await dashboard.WaitForExitAsync(TimeSpan.FromSeconds(15))) dashboard.Kill();
            Directory.Delete(storage, recursive: true);
        }
    }

    private static async Task<int> PointsAsync(IPage page) =>
        int.Parse(await page.Locator("#loss-chart").GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture);

    private static async Task WaitForPointsAsync(IPage page, int atLeast)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => +document.getElementById('loss-chart').getAttribute('data-points') >= {atLeast}",
                null, new PageWaitForFunctionOptions { Timeout = (float)Timeout.TotalMilliseconds });
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"expected the loss chart to have >= {atLeast} points within {Timeout.TotalSeconds} s; it has {await PointsAsync(page)}");
        }
    }

    /// <summary>Runs the test's phases; a failure names the phase and carries the job's timeline and every process's output.</summary>
    private sealed class Run(LocalCluster cluster, ExternalProcess dashboard, IJobGrain job)
    {
        public async Task PhaseAsync(string phase, Func<Task> body) => await PhaseAsync(phase, async () =>
        {
            await body();
            return true;
        });

        public async Task<T> PhaseAsync<T>(string phase, Func<Task<T>> body)
        {
            try
            {
                return await body();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"{phase}: {e.Message}\n\n--- the job's timeline ---\n{await TimelineAsync()}\n\n" +
                    $"--- dashboard (pid {dashboard.Id}) ---\n{dashboard.OutputText}\n\n{cluster.Output}", e);
            }
        }

        private async Task<string> TimelineAsync()
        {
            try
            {
                var s = await job.GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5));
                return $"{s.State} at step {s.Step}, world {s.WorldId} of {s.World.Count}\n" +
                    string.Join('\n', s.Events.Select(e => $"{e.Time:HH:mm:ss.fff} {e.Kind}: {e.Detail}"));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return $"unavailable ({e.GetType().Name}: {e.Message})";
            }
        }
    }

    [GeneratedRegex(@"http://[0-9.]+:\d+/")]
    private static partial Regex DashboardUrl();
}
