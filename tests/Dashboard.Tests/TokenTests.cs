using System.Net;
using Microsoft.Extensions.Options;

namespace Distributed.Dashboard.Tests;

/// <summary>The token: required beyond loopback, checked on every request when set, and in the header for actions.</summary>
public sealed class TokenTests
{
    private const string Token = "0123456789abcdef-test-token";

    [Fact]
    public async Task Binding_beyond_loopback_without_a_token_refuses_to_start_naming_the_variable_and_flag()
    {
        await using var app = DashboardServer.Build("0.0.0.0", token: null, gpus: 1);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("--dashboard-host 0.0.0.0", e.Message);
        Assert.Contains(TrainingDashboardOptions.TokenVariable, e.Message);
        Assert.Contains(TrainingDashboardOptions.TokenFlag, e.Message);
    }

    [Fact]
    public async Task A_short_token_is_refused_at_start()
    {
        await using var app = DashboardServer.Build("127.0.0.1", token: "short", gpus: 1);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("at least 16", e.Message);
    }

    [Fact]
    public async Task Beyond_loopback_every_request_needs_the_token_and_actions_need_it_in_the_header()
    {
        await using var server = await DashboardServer.StartAsync("0.0.0.0", Token);
        await server.SubmitAsync("tok-1");
        using var cookies = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(cookies) { BaseAddress = server.Url };

        foreach (var path in new[] { "/", "/jobs/tok-1", "/api/jobs", "/api/jobs/tok-1", "/api/workers", "/api/stream", "/assets/dashboard.js" })
        {
            var refused = await http.GetAsync(path);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"GET {path} without the token -> {refused.StatusCode}");
        }
        var message = await (await http.GetAsync("/api/jobs")).Content.ReadAsStringAsync();
        Assert.Contains("?token=", message);
        Assert.Contains(TrainingDashboardOptions.TokenVariable, message);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/?token=wrong-token-wrong-token")).StatusCode);

        var withHeader = new HttpRequestMessage(HttpMethod.Get, "/api/jobs");
        withHeader.Headers.Add(DashboardAuth.Header, Token);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withHeader)).StatusCode);

        // ?token= sets the cookie and redirects to the address without the token.
        var login = await http.GetAsync("/jobs/tok-1?token=" + Token);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/jobs/tok-1", login.Headers.Location?.OriginalString);
        var page = await http.GetAsync("/jobs/tok-1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains($"<meta name=\"dashboard-token\" content=\"{Token}\">", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/jobs")).StatusCode);

        // The cookie alone never authorizes an action (a cross-site form would carry it).
        var cookieOnly = await http.PostAsync("/api/jobs/tok-1/cancel", null);
        Assert.Equal(HttpStatusCode.Unauthorized, cookieOnly.StatusCode);
        var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/jobs/tok-1/cancel");
        wrong.Headers.Add(DashboardAuth.Header, "-");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        Assert.Equal(Grains.Jobs.JobState.Running, (await server.StatusAsync("tok-1")).State);

        var cancel = new HttpRequestMessage(HttpMethod.Post, "/api/jobs/tok-1/cancel");
        cancel.Headers.Add(DashboardAuth.Header, Token);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(cancel)).StatusCode);
        Assert.Equal(Grains.Jobs.JobState.Cancelled, (await server.StatusAsync("tok-1")).State);
    }

    [Fact]
    public async Task On_loopback_a_set_token_is_required_too_and_cross_site_actions_are_refused()
    {
        await using var server = await DashboardServer.StartAsync("127.0.0.1", Token);
        await server.SubmitAsync("tok-2");
        using var http = new HttpClient { BaseAddress = server.Url };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/jobs")).StatusCode);
        var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/jobs/tok-2/cancel");
        crossSite.Headers.Add(DashboardAuth.Header, Token);
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(crossSite)).StatusCode);
        Assert.Equal(Grains.Jobs.JobState.Running, (await server.StatusAsync("tok-2")).State);
    }
}
