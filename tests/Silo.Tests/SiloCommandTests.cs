using System.Diagnostics;
using Distributed.TestSupport;

namespace Distributed.Silo.Tests;

// `distributed silo` and `distributed probe` as a user runs them: real processes, exit codes and what they print.
public sealed class SiloCommandTests
{
    private static (int Code, string Output) Run(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distributed.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("AZURE_STORAGE_CONNECTION_STRING");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "the command did not finish in 2 minutes");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Port() => ExternalProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Bad_cluster_settings_are_refused_at_start_naming_the_flag_or_variable_to_fix()
    {
        var (code, output) = Run(null, "silo", "--mode", "azure", "--gpus", "0,x", "--silo-port", "70000");
        Assert.Equal(1, code);
        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING", output);
        Assert.Contains("--gpus '0,x'", output);
        Assert.Contains("--silo-port 70000", output);
        Assert.DoesNotContain("   at ", output);

        var (modeCode, modeOutput) = Run(new Dictionary<string, string> { ["DISTRIBUTED_Cluster__Mode"] = "cloud" }, "silo");
        Assert.Equal(1, modeCode);
        Assert.Contains("--mode 'cloud' is not a clustering mode", modeOutput);
    }

    [Fact]
    public void A_dashboard_bound_beyond_loopback_without_a_token_is_refused_naming_the_flag_and_variable()
    {
        var (code, output) = Run(null, "silo", "--dashboard-host", "0.0.0.0", "--dashboard-port", "0", "--silo-port", Port(), "--gateway-port", Port());
        Assert.True(code == 1, output);
        Assert.Contains("--dashboard-host 0.0.0.0", output);
        Assert.Contains("DISTRIBUTED_DASHBOARD_TOKEN", output);
        Assert.Contains("--dashboard-token", output);
        Assert.DoesNotContain(" ready: ", output);
    }

    [Fact]
    public void Probe_in_embedded_mode_starts_a_silo_in_process_and_writes_the_probe()
    {
        var (code, output) = Run(null, "probe", "--key", "cli", "--silo-port", Port(), "--gateway-port", Port(), "--dashboard-port", "0");
        Assert.True(code == 0, output);
        Assert.Matches(@"Probe cli: count 1 \(ETag \S+\) on silo \S+, pid \d+", output);
    }

    [Fact]
    public async Task A_silo_serves_the_training_dashboard_and_the_orleans_one_under_orleans_on_loopback_and_stops_on_sigterm()
    {
        var dashboard = Port();
        using var silo = ExternalProcess.Start("silo", "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "distributed.dll"), "silo", "--silo-port", Port(), "--gateway-port", Port(), "--dashboard-port", dashboard, "--gpus", "0"]);
        var ready = await silo.WaitForLineAsync(" ready: ", TimeSpan.FromSeconds(60));
        Assert.Contains($"dashboard http://127.0.0.1:{dashboard}/,", ready);
        Assert.Contains("GPUs [0]", ready);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboard}") };
        var page = await http.GetAsync("/orleans/");
        Assert.True(page.IsSuccessStatusCode, $"GET /orleans/ -> {page.StatusCode}");
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var version = await http.GetAsync("/orleans/version");
        Assert.True(version.IsSuccessStatusCode, $"GET /orleans/version -> {version.StatusCode}");
        // The root is the training dashboard.
        var root = await http.GetAsync("/");
        Assert.True(root.IsSuccessStatusCode, $"GET / -> {root.StatusCode}");
        Assert.Contains("<meta name=\"dashboard-page\" content=\"jobs\">", await root.Content.ReadAsStringAsync());

        silo.Terminate();
        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the silo did not stop on SIGTERM:\n{silo.OutputText}");
        Assert.Equal(0, silo.ExitCode);
    }
}
