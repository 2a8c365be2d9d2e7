using System.Diagnostics;
using System.Globalization;

namespace Distributed.Trainer.Torch;

/// <summary>The cores this process may run on, counted as the thread pools should be sized.</summary>
public static class CpuTopology
{
    /// <summary>
    /// Physical cores among the CPUs this process may use (its affinity), at most <see cref="Environment.ProcessorCount"/>
    /// (which also honours a container's CPU quota). Hyper-threads share a core's arithmetic units, so a compute
    /// pool gains little from them and loses to their contention. Without Linux's topology files: ProcessorCount.
    /// </summary>
    public static int PhysicalCores()
    {
        var logical = Environment.ProcessorCount;
        try
        {
            var cores = new HashSet<(string Package, string Core)>();
            var affinity = OperatingSystem.IsLinux() ? (long)Process.GetCurrentProcess().ProcessorAffinity : -1L;
            foreach (var dir in Directory.EnumerateDirectories("/sys/devices/system/cpu", "cpu*"))
            {
                if (!int.TryParse(Path.GetFileName(dir)[3..], NumberStyles.None, CultureInfo.InvariantCulture, out var cpu)) continue;
                if (cpu < 64 && (affinity & (1L << cpu)) == 0) continue;
                var topology = Path.Combine(dir, "topology");
                if (!File.Exists(Path.Combine(topology, "core_id"))) continue;
                cores.Add((File.ReadAllText(Path.Combine(topology, "physical_package_id")).Trim(), File.ReadAllText(Path.Combine(topology, "core_id")).Trim()));
            }
            return cores.Count == 0 ? logical : Math.Min(cores.Count, logical);
        }
        catch (IOException)
        {
            return logical;
        }
        catch (UnauthorizedAccessException)
        {
            return logical;
        }
    }
}
