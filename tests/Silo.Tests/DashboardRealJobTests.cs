using System.Globalization;
using System.Text.RegularExpressions;
using Distributed.Dashboard.Tests;
using Distributed.TestSupport;
using Microsoft.Playwright;

namespace Distributed.Silo.Tests;

/// <summary>
/// The dashboard of a real embedded cluster: `distributed job submit` of the cluster's AutoCompressor job on two CPU
/// workers (Gloo), watched and cancelled from Debian's chromium. The job page's screenshot is the README's.
/// </summary>
public sealed partial class DashboardRealJobTests(Chromium chromium) : IClassFixture<Chromium>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_job_page_of_a_real_job_gains_loss_points_while_it_trains_and_its_cancel_button_stops_the_job()
    {
        var id = $"dash-real-{Guid.NewGuid().ToString("N")[..6]}";
        var storage = Directory.CreateTempSubdirectory("dashboard-real-").FullName;
        using var job = ExternalProcess.Start("job", "dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "distributed.dll"), "job", "submit", Path.Combine(ExternalProcess.RepositoryRoot, "jobs", "cluster-autocompressor.json"),
            "--workers", "2", "--steps", "5000", "--id", id, "--storage", storage,
            "--dashboard-port", "0", "--silo-port", Port(), "--gateway-port", Port(),
        ], environment: new Dictionary<string, string> { ["DISTRIBUTED_Cluster__Dashboard__Keep"] = "true" }); // ./run.sh --keep
        var line = await job.WaitForLineAsync("dashboard http://", Timeout);
        var url = new Uri(DashboardUrl().Match(line).Value);
        Assert.Equal("127.0.0.1", url.Host);

        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        var response = await page.GotoAsync(new Uri(url, $"/jobs/{id}").ToString());
        Assert.True(response?.Ok == true, $"the job page: {response?.Status}");

        // The loss chart gains points while the job trains (the first ones come after the initial held-out evaluation).
        await WaitForPointsAsync(page, 5, "while the job trains", job);
        var seen = await PointsAsync(page);
        await WaitForPointsAsync(page, seen + 10, "later, while the job trains", job);
        await Assertions.Expect(page.Locator("#job-state [data-state]")).ToHaveTextAsync("Running", new() { Timeout = (float)Timeout.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#breakdown tbody tr")).ToHaveCountAsync(2, new() { Timeout = (float)Timeout.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#timeline li[data-kind='world-formed']")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Screenshots, "real-job-page.png"), FullPage = true });

        await page.ClickAsync("#cancel");
        // The workers stop at the next step boundary; then the job is Cancelled.
        var expect = (float)Timeout.TotalMilliseconds;
        await Assertions.Expect(page.Locator("#message")).ToHaveTextAsync("cancel: done", new() { Timeout = expect });
        await Assertions.Expect(page.Locator("#job-state [data-state]")).ToHaveTextAsync("Cancelled", new() { Timeout = expect });
        await Assertions.Expect(page.Locator("#timeline li[data-kind='cancelled']").First).ToBeVisibleAsync(new() { Timeout = expect });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Screenshots, "real-job-page-cancelled.png"), FullPage = true });
        // `job submit` reports the cancelled job; with --keep its dashboard stays up (the page still answers) until SIGTERM.
        await job.WaitForLineAsync("Dashboard kept up at", Timeout);
        Assert.True((await page.ReloadAsync())?.Ok == true, "the kept dashboard did not answer");
        await Assertions.Expect(page.Locator("#job-state [data-state]")).ToHaveTextAsync("Cancelled", new() { Timeout = expect });
        job.Terminate();
        Assert.True(await job.WaitForExitAsync(Timeout), $"job submit did not end on SIGTERM:\n{job.OutputText}");
        Assert.Equal(1, job.ExitCode);
        Assert.Contains("Cancelled", job.OutputText);
        Assert.DoesNotContain("step 5000/5000", job.OutputText);
        Assert.True(errors.Count == 0, $"the page logged errors: {string.Join("; ", errors)}");
        await page.CloseAsync();
    }

    private static async Task<int> PointsAsync(IPage page) =>
        int.Parse(await page.Locator("#loss-chart").GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture);

    private static async Task WaitForPointsAsync(IPage page, int atLeast, string phase, ExternalProcess job)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => +document.getElementById('loss-chart').getAttribute('data-points') >= {atLeast}",
                null, new PageWaitForFunctionOptions { Timeout = (float)Timeout.TotalMilliseconds });
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{phase}: expected the loss chart to have >= {atLeast} points within {Timeout.TotalSeconds} s; " +
                $"it has {await PointsAsync(page)}. The job's output:\n{job.OutputText}");
        }
    }

    private static string Port() => ExternalProcess.FreePort().ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"http://[0-9.]+:\d+/")]
    private static partial Regex DashboardUrl();
}
