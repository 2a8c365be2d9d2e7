using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Distributed.Grains.Jobs;

namespace Distributed.Dashboard.Tests;

/// <summary>The JSON API and the actions against an in-process silo whose job grain double trains on a timer.</summary>
public sealed class ApiTests : IAsyncLifetime
{
    private DashboardServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        _http = new HttpClient { BaseAddress = _server.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} -> {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private async Task WaitForStepAsync(string id, long step) =>
        await Wait.UntilAsync($"job {id} training", $"step >= {step}", async () =>
        {
            var s = await _server.StatusAsync(id);
            return (s.Step >= step, $"step {s.Step}, {s.State}");
        });

    [Fact]
    public async Task Jobs_job_events_and_evaluations_are_what_the_grains_hold()
    {
        await _server.SubmitAsync("api-1");
        await WaitForStepAsync("api-1", 5);

        var jobs = await GetJsonAsync("/api/jobs");
        var row = Assert.Single(jobs.EnumerateArray());
        Assert.Equal("api-1", row.GetProperty("id").GetString());
        Assert.Equal("test job api-1", row.GetProperty("name").GetString());
        Assert.Equal("Running", row.GetProperty("state").GetString());

        var job = await GetJsonAsync("/api/jobs/api-1");
        var grain = await _server.StatusAsync("api-1");
        Assert.Equal("api-1", job.GetProperty("id").GetString());
        Assert.Equal(2, job.GetProperty("world").GetArrayLength());
        Assert.InRange(job.GetProperty("step").GetInt64(), 5, grain.Step);
        Assert.Equal(100_000, job.GetProperty("totalSteps").GetInt64());

        var events = await GetJsonAsync("/api/jobs/api-1/events");
        var kinds = events.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal([JobEventKinds.Submitted, JobEventKinds.WorldFormed], kinds.Take(2));
        Assert.Contains(JobEventKinds.Evaluated, kinds);

        var evaluation = (await GetJsonAsync("/api/jobs/api-1/evaluations")).EnumerateArray().First();
        Assert.Equal(5, evaluation.GetProperty("step").GetInt64());
        var metrics = evaluation.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble());
        Assert.Equal(grain.Evaluations[0].Metrics.Single(m => m.Name == "segment_2_loss_with_summaries").Value, metrics["segment_2_loss_with_summaries"]);
    }

    [Fact]
    public async Task History_returns_the_grains_points_from_a_step_and_bounded_by_max()
    {
        await _server.SubmitAsync("api-h");
        await WaitForStepAsync("api-h", 8);
        var expected = await _server.Grains.GetGrain<IJobGrain>("api-h").GetHistoryAsync(3, 1000);
        var points = (await GetJsonAsync("/api/jobs/api-h/history?from=3")).EnumerateArray().ToList();
        Assert.True(points.Count >= expected.Count, $"{points.Count} points from the API, {expected.Count} from the grain just before");
        foreach (var (p, e) in points.Zip(expected))
        {
            Assert.Equal(e.Step, p.GetProperty("step").GetInt64());
            Assert.Equal(e.Loss, p.GetProperty("loss").GetDouble());
            Assert.Equal(e.Ranks.Count, p.GetProperty("ranks").GetArrayLength());
        }
        Assert.Equal(3, points[0].GetProperty("step").GetInt64());
        var newest = (await GetJsonAsync("/api/jobs/api-h/history?from=0&max=2")).EnumerateArray().ToList();
        Assert.Equal(2, newest.Count);
        Assert.Equal(newest[0].GetProperty("step").GetInt64() + 1, newest[1].GetProperty("step").GetInt64());
    }

    [Theory]
    [InlineData("/api/jobs/..%2F..%2Fetc/history", HttpStatusCode.BadRequest)]
    [InlineData("/api/jobs/a;rm%20-rf%20x", HttpStatusCode.BadRequest)]
    [InlineData("/api/jobs/%24(reboot)/events", HttpStatusCode.BadRequest)]
    [InlineData("/api/jobs/.hidden", HttpStatusCode.BadRequest)]
    [InlineData("/api/jobs/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", HttpStatusCode.BadRequest)]
    [InlineData("/api/jobs/no-such-job", HttpStatusCode.NotFound)]
    [InlineData("/api/jobs/no-such-job/checkpoints", HttpStatusCode.NotFound)]
    [InlineData("/api/jobs/api-x/history?from=-1", HttpStatusCode.BadRequest)]
    [InlineData("/api/jobs/api-x/history?max=lots", HttpStatusCode.BadRequest)]
    [InlineData("/jobs/..%2Fsecret", HttpStatusCode.BadRequest)]
    [InlineData("/assets/..%2F..%2Fappsettings.json", HttpStatusCode.NotFound)]
    public async Task Bad_ids_and_parameters_are_refused_with_a_message_before_any_grain_call(string path, HttpStatusCode expected)
    {
        var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"GET {path}: expected {expected}, got {response.StatusCode}: {body}");
        if (expected == HttpStatusCode.BadRequest && path.StartsWith("/api/jobs/a", StringComparison.Ordinal) && !path.Contains('?', StringComparison.Ordinal))
            Assert.Contains("is not a job id", body);
        // No job grain was created for a refused id: the registry lists none.
        Assert.Empty((await GetJsonAsync("/api/jobs")).EnumerateArray());
    }

    [Fact]
    public async Task Workers_show_silo_state_job_and_heartbeat_age_and_a_killed_worker_drops_out_of_the_world()
    {
        await _server.SubmitAsync("api-w");
        await WaitForStepAsync("api-w", 2);
        var workers = (await GetJsonAsync("/api/workers")).EnumerateArray().ToList();
        Assert.Equal([0, 1], workers.Select(w => w.GetProperty("gpu").GetInt32()));
        foreach (var w in workers)
        {
            var status = w.GetProperty("status");
            Assert.Equal("fake-silo", status.GetProperty("silo").GetString());
            Assert.Equal("Training", status.GetProperty("state").GetString());
            Assert.Equal("api-w", status.GetProperty("jobId").GetString());
            Assert.InRange(w.GetProperty("heartbeatAgeSeconds").GetDouble(), 0, 10);
        }

        _server.Workers.Kill(1);
        await Wait.UntilAsync("after the kill of GPU 1", "a world of one worker", async () =>
        {
            var s = await _server.StatusAsync("api-w");
            return (s.State == JobState.Running && s.World.Count == 1, $"{s.State}, world {s.World.Count}");
        });
        var after = (await GetJsonAsync("/api/workers")).EnumerateArray().ToList();
        Assert.Equal([0], after.Select(w => w.GetProperty("gpu").GetInt32()));
    }

    [Fact]
    public async Task Cancel_resume_and_checkpoint_now_reach_the_job_and_need_the_action_header()
    {
        await _server.SubmitAsync("api-a");
        await WaitForStepAsync("api-a", 2);

        // Without the header (what a cross-site form post looks like) the action is refused and the job runs on.
        var bare = await _http.PostAsync("/api/jobs/api-a/cancel", null);
        Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);
        Assert.Contains(DashboardAuth.Header, await bare.Content.ReadAsStringAsync());
        Assert.Equal(JobState.Running, (await _server.StatusAsync("api-a")).State);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/api/jobs/api-a/checkpoint")).StatusCode);
        await Wait.UntilAsync("checkpoint now", "a committed checkpoint in /checkpoints", async () =>
        {
            var list = (await GetJsonAsync("/api/jobs/api-a/checkpoints")).EnumerateArray().ToList();
            return (list.Count == 1 && list[0].GetProperty("committed").GetBoolean(), $"{list.Count} checkpoints");
        });

        var cancelled = await PostAsync("/api/jobs/api-a/cancel");
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("Cancelled", (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        var stopped = (await _server.StatusAsync("api-a")).Step;
        await Task.Delay(400); // four step periods of the double: a running job would have moved on
        Assert.Equal(stopped, (await _server.StatusAsync("api-a")).Step);

        var again = await PostAsync("/api/jobs/api-a/cancel");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("nothing to cancel", await again.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/api/jobs/api-a/resume")).StatusCode);
        await WaitForStepAsync("api-a", stopped + 2);
    }

    private Task<HttpResponseMessage> PostAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add(DashboardAuth.Header, "-");
        return _http.SendAsync(request);
    }

    [Fact]
    public async Task The_job_stream_sends_the_status_then_each_new_point_once_in_step_order()
    {
        await _server.SubmitAsync("api-s", stepMs: 50);
        using var response = await _http.GetAsync("/api/jobs/api-s/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var steps = new List<long>();
        var kinds = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        string? name = null;
        while (steps.Count < 20 || kinds.Count(k => k == "points") < 3)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended");
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                kinds.Add(name!);
                var data = JsonDocument.Parse(line[6..]).RootElement;
                if (name == "points") steps.AddRange(data.EnumerateArray().Select(p => p.GetProperty("step").GetInt64()));
                if (name == "status") Assert.Equal("api-s", data.GetProperty("id").GetString());
            }
        }
        Assert.Equal("status", kinds[0]);
        Assert.Equal(Enumerable.Range((int)steps[0], steps.Count).Select(s => (long)s), steps);
    }
}
