using System.Diagnostics;
using System.Globalization;
using Distributed.TestSupport;
using static Distributed.Silo.Tests.CliProcess;

namespace Distributed.Silo.Tests;

// `distributed job` as a user runs it: the main job in the embedded cluster, and bad input refused with every problem.
public sealed class JobCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("job-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Port() => ExternalProcess.FreePort().ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void The_main_job_trains_in_the_embedded_cluster_with_two_workers_and_ends_with_the_segment_evaluation()
    {
        // The shipped main job with its defaults, fewer steps; free ports so that it runs beside other clusters.
        var (code, log) = Run("job", "submit", Job("cluster-autocompressor.json"), "--workers", "2", "--steps", "20", "--storage", _dir,
            "--silo-port", Port(), "--gateway-port", Port(), "--dashboard-port", "0");
        Assert.True(code == 0, log);
        Assert.Matches(@"world-formed: world \S+ \(from the job file's initialisation\): rank 0 = GPU 0 on \S+, rank 1 = GPU 1 on \S+", log);
        Assert.Matches(@"step 20/20 \(100%\) loss [0-9.]+ lr \S+ grad-norm [0-9.]+ [0-9,]+ tok/s on 2 workers; per step: compute [0-9.]+ s, all-reduce [0-9.]+ s", log);
        Assert.Contains("completed: 20 steps trained by 2 workers", log);
        Assert.Matches(@"held-out loss: [0-9.]+ at step 0 -> [0-9.]+ at step 20", log);
        Assert.Contains("segment  loss with summaries  loss without", log);
        Assert.Contains("loss_without_summaries", log);
        var model = Directory.GetDirectories(_dir).Single();
        Assert.True(File.Exists(Path.Combine(model, "step-00000020", "config.json")), log);
    }

    [Fact]
    public void A_final_checkpoint_that_cannot_be_written_fails_the_job_with_what_to_do_instead_of_completing()
    {
        // The storage folder cannot be created (a file stands where its parent folder should be): every checkpoint
        // fails. The periodic ones are skipped while training goes on; the final model's is retried, then fails the job.
        var blocked = Path.Combine(_dir, "not-a-folder");
        File.WriteAllText(blocked, "a file");
        var (code, log) = RunWith(new Dictionary<string, string?> { ["DISTRIBUTED_Workers__FinalCheckpointRetryFor"] = "00:00:03" },
            "job", "submit", Job("cluster-autocompressor.json"), "--workers", "2", "--steps", "4", "--checkpoint-every", "2",
            "--storage", Path.Combine(blocked, "checkpoints"), "--silo-port", Port(), "--gateway-port", Port(), "--dashboard-port", "0");
        Assert.True(code != 0, log);
        Assert.Contains("the final checkpoint (step 4) could not be written to", log);
        Assert.Contains("distributed job resume", log);
        Assert.DoesNotContain("completed: 4 steps", log);
    }

    [Fact]
    public void The_readme_command_resolves_relative_paths_against_the_callers_folder()
    {
        // `./run.sh` and the README run `dotnet run --project src/Silo -- ...` from the repository root with relative
        // paths. The Web SDK would run the program in src/Silo, where jobs/... does not exist; the project keeps the
        // caller's folder, as the built executable does.
        var root = Path.GetDirectoryName(FindUp("jobs"))!;
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] args = ["run", "--project", "src/Silo", "-c", "Release", "--no-build", "--", "job", "submit", "jobs/cluster-autocompressor.json",
            "--workers", "2", "--steps", "2", "--storage", _dir, "--silo-port", Port(), "--gateway-port", Port(), "--dashboard-port", "0"];
        foreach (var a in args) info.ArgumentList.Add(a);
        var (code, log) = RunToEnd(info, "dotnet " + string.Join(' ', args));
        Assert.True(code == 0, log);
        Assert.Contains("completed: 2 steps trained by 2 workers", log);
    }

    [Fact]
    public void An_invalid_job_is_refused_with_every_problem_before_a_cluster_starts()
    {
        var file = Path.Combine(_dir, "bad.json");
        File.WriteAllText(file, """{ "objective": "autocompressor", "config": { "hidden_size": 32 }, "steps": 0, "lr": -1 }""");
        var (code, log) = Run("job", "submit", file, "--min", "3", "--max", "2", "--checkpoint-every", "-1", "--storage", " ");
        Assert.Equal(1, code);
        Assert.Contains("bad.json: the job was refused:", log);
        foreach (var problem in new[] { "--max 2 is below --min 3", "--checkpoint-every -1", "--storage is empty", "steps 0", "lr -1" })
            Assert.Contains(problem, log);
        Assert.DoesNotContain("ready", log);
        Assert.DoesNotContain("   at ", log);
    }

    [Fact]
    public void A_job_without_workers_is_refused_in_the_words_of_its_flag()
    {
        var (code, log) = Run("job", "submit", Path.Combine(ExternalProcess.RepositoryRoot, "jobs", "cluster-autocompressor.json"), "--workers", "0");
        Assert.Equal(1, code);
        Assert.Contains("--workers 0: a job needs at least 1 worker", log);
        Assert.DoesNotContain("--min", log);
        Assert.DoesNotContain("ready", log);
    }

    [Fact]
    public void Host_mode_commands_without_a_primary_silo_say_how_to_start_it()
    {
        var (code, log) = Run("job", "list", "--mode", "host", "--state-dir", _dir, "--gateway-port", Port());
        Assert.Equal(1, code);
        Assert.Contains("No cluster reachable", log);
        Assert.Contains("distributed silo --mode host --state-dir DIR", log);
        Assert.DoesNotContain("   at ", log);
    }

    [Fact]
    public void Job_commands_without_a_running_cluster_say_how_to_start_one()
    {
        var (code, log) = Run("job", "list", "--gateway-port", Port());
        Assert.Equal(1, code);
        Assert.Contains("No cluster reachable", log);
        Assert.Contains("distributed job submit FILE", log);
        Assert.DoesNotContain("   at ", log);
    }
}
