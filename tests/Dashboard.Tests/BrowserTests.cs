using System.Globalization;
using Distributed.Grains.Jobs;
using Microsoft.Playwright;

namespace Distributed.Dashboard.Tests;

/// <summary>
/// The pages in a real browser (Debian's chromium through Playwright) against the in-process silo. Screenshots go to
/// artifacts/screenshots.
/// </summary>
public sealed class BrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    // Script errors and console errors of every page a test opened: each test ends by asserting there were none.
    private readonly List<string> _errors = [];

    private async Task<IPage> OpenAsync(Uri url)
    {
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        page.PageError += (_, e) => _errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error") _errors.Add(m.Text); };
        var response = await page.GotoAsync(url.ToString());
        Assert.True(response?.Ok == true, $"GET {url} -> {response?.Status}");
        return page;
    }

    private static async Task<int> PointsAsync(IPage page, string chart) =>
        int.Parse(await page.Locator($"#{chart}").GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture);

    private static async Task WaitForPointsAsync(IPage page, string chart, int atLeast, string phase)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => +document.getElementById('{chart}').getAttribute('data-points') >= {atLeast}",
                null, new PageWaitForFunctionOptions { Timeout = (float)Timeout.TotalMilliseconds });
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{phase}: expected #{chart} to have >= {atLeast} points within {Timeout.TotalSeconds} s; it has {await PointsAsync(page, chart)}");
        }
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Screenshots, name + ".png"), FullPage = true });

    [Fact]
    public async Task The_job_page_loads_and_its_loss_chart_gains_points_while_the_job_runs_then_cancel_stops_it()
    {
        await using var server = await DashboardServer.StartAsync();
        await server.SubmitAsync("browser-1", stepMs: 100);
        var page = await OpenAsync(new Uri(server.Url, "/jobs/browser-1"));

        await Assertions.Expect(page.Locator("#job-state [data-state]")).ToHaveTextAsync("Running");
        await WaitForPointsAsync(page, "loss-chart", 5, "while the job runs");
        var seen = await PointsAsync(page, "loss-chart");
        await WaitForPointsAsync(page, "loss-chart", seen + 3, "later, while the job runs");
        // The charts draw what the grain holds: the newest point's step is the job's step or just behind it.
        var drawn = await PointsAsync(page, "loss-chart");
        var grainStep = (await server.StatusAsync("browser-1")).Step;
        Assert.InRange(drawn, seen + 3, grainStep);
        Assert.True(await PointsAsync(page, "throughput-chart") > 0, "the throughput chart has no points");
        await Assertions.Expect(page.Locator("#breakdown tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#segments tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#checkpoint")).ToBeEnabledAsync();
        await page.ClickAsync("#checkpoint");
        await Assertions.Expect(page.Locator("#checkpoints tbody tr")).ToHaveCountAsync(1);
        await ShotAsync(page, "job-page-running");

        await page.ClickAsync("#cancel");
        await Assertions.Expect(page.Locator("#job-state [data-state]")).ToHaveTextAsync("Cancelled");
        await Assertions.Expect(page.Locator("#timeline li[data-kind='cancelled']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#cancel")).ToBeDisabledAsync();
        var status = await server.StatusAsync("browser-1");
        Assert.Equal(JobState.Cancelled, status.State);
        await Task.Delay(500); // five step periods: a job still running would have moved on
        Assert.Equal(status.Step, (await server.StatusAsync("browser-1")).Step);
        await ShotAsync(page, "job-page-cancelled");
        await page.CloseAsync();
        Assert.True(_errors.Count == 0, $"the pages logged errors: {string.Join("; ", _errors)}");
    }

    [Fact]
    public async Task A_killed_worker_shows_up_on_the_timeline_and_the_workers_page()
    {
        await using var server = await DashboardServer.StartAsync(gpus: 3);
        await server.SubmitAsync("browser-2", stepMs: 100, maxWorkers: 3);
        var page = await OpenAsync(new Uri(server.Url, "/jobs/browser-2"));
        await WaitForPointsAsync(page, "loss-chart", 3, "before the kill");

        server.Workers.Kill(2);
        var lost = page.Locator("#timeline li[data-kind='worker-lost']");
        await Assertions.Expect(lost).ToHaveCountAsync(1);
        await Assertions.Expect(lost).ToContainTextAsync("GPU 2");
        await Assertions.Expect(page.Locator("#timeline li[data-kind='world-formed']")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#breakdown tbody tr")).ToHaveCountAsync(2);
        await ShotAsync(page, "job-page-worker-lost");

        var workers = await OpenAsync(new Uri(server.Url, "/workers"));
        await Assertions.Expect(workers.Locator("#workers tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(workers.Locator("#workers tbody tr").First).ToContainTextAsync("browser-2");
        await ShotAsync(workers, "workers-page");
        await workers.CloseAsync();
        await page.CloseAsync();
        Assert.True(_errors.Count == 0, $"the pages logged errors: {string.Join("; ", _errors)}");
    }

    [Fact]
    public async Task Bound_beyond_loopback_a_page_without_the_token_is_refused_and_with_it_the_actions_work()
    {
        const string token = "browser-test-token-0123456789";
        await using var server = await DashboardServer.StartAsync("0.0.0.0", token);
        await server.SubmitAsync("browser-3");
        var page = await chromium.Browser.NewPageAsync();
        var refused = await page.GotoAsync(new Uri(server.Url, "/jobs/browser-3").ToString());
        Assert.Equal(401, refused?.Status);
        Assert.Contains("needs its token", await page.ContentAsync());
        await ShotAsync(page, "token-refused");
        await page.CloseAsync();

        page = await OpenAsync(new Uri(server.Url, "/jobs/browser-3?token=" + token));
        Assert.DoesNotContain("token=", page.Url);
        await WaitForPointsAsync(page, "loss-chart", 2, "with the token");
        await page.ClickAsync("#cancel");
        await Assertions.Expect(page.Locator("#job-state [data-state]")).ToHaveTextAsync("Cancelled");
        await page.CloseAsync();
        Assert.True(_errors.Count == 0, $"the pages logged errors: {string.Join("; ", _errors)}");
    }

    [Fact]
    public async Task The_jobs_page_lists_jobs_with_their_state_and_links_to_the_job_page()
    {
        await using var server = await DashboardServer.StartAsync();
        await server.SubmitAsync("browser-4a");
        await server.SubmitAsync("browser-4b", steps: 3, stepMs: 50);
        var page = await OpenAsync(server.Url);
        await Assertions.Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#jobs tbody tr:has-text('browser-4b') [data-state]")).ToHaveTextAsync("Completed");
        await Assertions.Expect(page.Locator("#jobs tbody tr:has-text('browser-4a') [data-state]")).ToHaveTextAsync("Running");
        await ShotAsync(page, "jobs-page");
        await page.ClickAsync("text=browser-4a");
        // The navigation is what this asserts; the page's own content is awaited next. Waiting for its "load" event
        // as well (the default) timed out once in CI at 20 s on the loaded 2-core machine, with a job training beside it.
        await page.WaitForURLAsync("**/jobs/browser-4a", new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(page.Locator("#job-id")).ToHaveTextAsync("browser-4a");
        await page.CloseAsync();
        Assert.True(_errors.Count == 0, $"the pages logged errors: {string.Join("; ", _errors)}");
    }
}
